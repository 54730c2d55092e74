// kernels.h: our own CPU products with weight matrices (AVX-512 VNNI for Q8_0, AVX-512 BF16, AVX-512 FMA for F32 and
// for F16 widened to F32; on AVX2 machines, AVX2 integer products for Q8_0 and AVX2 FMA for F32, and for F16 and BF16
// widened to F32), on weights rearranged once at load into panels for the micro-kernels. Both instruction sets use the
// same panels.
//
// A weight is ggml's [K, N] matrix: N rows of K values (ggml ne0 = K, ne1 = N), the first operand of
// ggml_mul_mat. Packing works in place: every full group of 16 rows becomes one panel of exactly the same size,
// and the last N % 16 rows stay as they were. The product y[m][n] = sum_k x[m][k] w[n][k] takes F32 activations.
#pragma once

#include <cstddef>
#include <cstdint>

namespace deberta::kernels {

enum class weight_format { f32, bf16, q8_0, f16 };

// Rows per panel: one 512-bit register of F32 results (two 256-bit ones for the AVX2 kernels).
constexpr int64_t panel_rows = 16;
// Output columns per piece of work: the micro-kernels' width, two panels.
constexpr int64_t unit_columns = 2 * panel_rows;

// The instruction sets the kernels are written for, narrowest first.
enum class isa_level { none, avx2, avx512 };

// The best level at most cap at which this CPU runs the kernel for format (cpuid and OS register support): AVX-512
// first, AVX2 next; none off x86-64. GELU and the activation products run wherever F32 does.
isa_level kernel_level(weight_format format, isa_level cap = isa_level::avx512);

// Whether a weight of this format and shape can be packed: K fits the format's blocks or pairs (any K for F32 and
// F16), N has a panel.
bool shape_supported(weight_format format, int64_t k, int64_t n);

// Bytes of a weight of this format and shape, plain or packed (they are equal).
size_t weight_bytes(weight_format format, int64_t k, int64_t n);

// Rearranges the full panels of a plain weight (ggml's row-major layout of the format) in place.
// Requires shape_supported. Portable: packing needs no special instructions.
void pack_in_place(weight_format format, void * data, int64_t k, int64_t n);
// The same layout written to other memory (weight_bytes(format, k, n) of it); plain is not changed.
void pack_to(weight_format format, const void * plain, void * packed, int64_t k, int64_t n);

struct packed_weight {
    weight_format format;
    int64_t k;
    int64_t n;
    const void * data; // after pack_in_place or pack_to
    isa_level level;   // the kernel that multiplies it: kernel_level(format, ...), not none
};

// The column work of one product, shared by its nth calls: each takes the next piece until none is left, so a thread
// that the OS runs less does less (a static split would leave the others waiting at ggml's barrier). The last call
// to finish resets it for the product's next run. Zero-initialized; one per product (graph node), never shared by
// two products that may run at the same time.
struct work_queue {
    int32_t next;
    int32_t finished;
};

// The next piece of the queue's work, or -1 when all pieces are taken.
inline int64_t take_piece(work_queue & queue, int64_t pieces) {
    const int64_t piece = __atomic_fetch_add(&queue.next, 1, __ATOMIC_RELAXED);
    return piece < pieces ? piece : -1;
}

// Each of the nth threads calls this once, after take_piece returned -1; the last one resets the queue.
inline void leave_queue(work_queue & queue, int nth) {
    if (__atomic_add_fetch(&queue.finished, 1, __ATOMIC_ACQ_REL) == nth) { // everyone is past the queue
        __atomic_store_n(&queue.next, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&queue.finished, 0, __ATOMIC_RELAXED);
    }
}

// What a product does to each output before it is stored: add bias[n] (the F32 sum ggml's add makes), then
// apply GELU in the erf form (gelu_erf below).
struct output_stage {
    const float * bias = nullptr;
    bool gelu_erf = false;
};

// y[m][n] (row stride ldy floats) = x[m][:] . w[n][:] for m < rows, x with row stride ldx floats, through stage.
// Called once by each of nth threads with the same queue; together they write every element once. Q8_0 quantizes
// the activations per 32-block as ggml's quantize_row_q8_0 does, BF16 rounds them to bf16 as ggml's BF16 path does;
// F16 keeps them F32 (ggml's F16 path rounds them to F16, so it differs by that rounding). Requires w.level != none.
void packed_matmul(const packed_weight & w, const float * x, int64_t ldx, int64_t rows, float * y, int64_t ldy,
                   const output_stage & stage, int nth, work_queue & queue);

// Products of two F32 activations (attention scores, probabilities x values), one column unit at a time:
// y[i][j] = sum_k b[i][k] * a[j][k] for i < m, j < cols, with cols <= unit_columns; rows of a, b and y
// with strides lda, ldb, ldy floats. a's rows are packed into panels on the calling thread first. Requires
// level == kernel_level(weight_format::f32, cap) for some cap, not none.
void activation_product(const float * a, int64_t lda, int64_t cols, const float * b, int64_t ldb, int64_t m, int64_t k, float * y,
                        int64_t ldy, isa_level level);

// y[i] = x[i] * Phi(x[i]) (GELU, erf form) for i < n; y may be x. Absolute error below 2.5e-7 * max(1, |x|) against the
// exact value (kernel_checks measures it), which is the size of float rounding; ggml's erff-based form is no closer.
// Requires level as activation_product does.
void gelu_erf(const float * x, float * y, int64_t n, isa_level level);

} // namespace deberta::kernels
