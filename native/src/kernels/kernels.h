// kernels.h: our own CPU products with weight matrices (AVX-512 VNNI for Q8_0, AVX-512 BF16, AVX-512 FMA for F32),
// on weights rearranged once at load into panels for the micro-kernels.
//
// A weight is ggml's [K, N] matrix: N rows of K values (ggml ne0 = K, ne1 = N), the first operand of
// ggml_mul_mat. Packing works in place: every full group of 16 rows becomes one panel of exactly the same size,
// and the last N % 16 rows stay as they were. The product y[m][n] = sum_k x[m][k] w[n][k] takes F32 activations.
#pragma once

#include <cstddef>
#include <cstdint>

namespace deberta::kernels {

enum class weight_format { f32, bf16, q8_0 };

// Rows per panel: one 512-bit register of F32 results.
constexpr int64_t panel_rows = 16;

// Whether this CPU runs the kernel for format (cpuid and OS register support; false off x86-64).
bool cpu_supports(weight_format format);

// Whether a weight of this format and shape can be packed: K fits the format's blocks or pairs, N has a panel.
bool shape_supported(weight_format format, int64_t k, int64_t n);

// Bytes of a weight of this format and shape, plain or packed (they are equal).
size_t weight_bytes(weight_format format, int64_t k, int64_t n);

// Rearranges the full panels of a plain weight (ggml's row-major layout of the format) in place.
// Requires shape_supported. Portable: packing needs no special instructions.
void pack_in_place(weight_format format, void * data, int64_t k, int64_t n);

struct packed_weight {
    weight_format format;
    int64_t k;
    int64_t n;
    const void * data; // after pack_in_place
};

// The column work of one product, shared by its nth calls: each takes the next piece until none is left, so a thread
// that the OS runs less does less (a static split would leave the others waiting at ggml's barrier). The last call
// to finish resets it for the product's next run. Zero-initialized; one per product (graph node), never shared by
// two products that may run at the same time.
struct work_queue {
    int32_t next;
    int32_t finished;
};

// y[m][n] (row stride ldy floats) = x[m][:] . w[n][:] for m < rows, x with row stride ldx floats. Called once by each
// of nth threads with the same queue; together they write every element once. Q8_0 quantizes the
// activations per 32-block as ggml's quantize_row_q8_0 does, BF16 rounds them to bf16 as ggml's BF16 path does.
// Requires cpu_supports(w.format).
void packed_matmul(const packed_weight & w, const float * x, int64_t ldx, int64_t rows, float * y, int64_t ldy, int nth, work_queue & queue);

} // namespace deberta::kernels
