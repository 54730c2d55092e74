// F32 and F16 weights x F32 activations through an AVX-512 or an AVX2 FMA kernel on packed panels (F16 widened
// exactly on the load, so the activations keep F32); the same kernels multiply two activations (attention products)
// on panels packed per call.
#include "gemm_driver.h"

#if defined(DEBERTA_KERNELS_X86)
#include "x86_intrinsics.h"

#define F32_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq")))
#define F32_AVX2_TARGET __attribute__((target("avx2,fma,f16c")))

namespace deberta::kernels::detail {

namespace {

struct f32_activations {
    const float * x;
    int64_t ldx;
};

// How a tile reads a panel's weights of one k, as F32: 16 (AVX-512) or 8 (AVX2) at a time.
struct f32_weights {
    using element = float;
    F32_TARGET static __m512 load(const element * p) { return _mm512_loadu_ps(p); }
    F32_AVX2_TARGET static __m256 load8(const element * p) { return _mm256_loadu_ps(p); }
    static float value(element w) { return w; }
};

// Halves widened by vcvtph2ps (AVX-512F; F16C), which is exact.
struct f16_weights {
    using element = uint16_t;
    F32_TARGET static __m512 load(const element * p) { return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *) p)); }
    F32_AVX2_TARGET static __m256 load8(const element * p) { return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *) p)); }
    static float value(element w) { return fp16_to_float(w); }
};

// rows x (16 * NV) outputs over k in [s0, s1).
template <class Weights, int MR, int NV>
F32_TARGET void f32_tile(const tile_args<f32_activations> & t) {
    using element = typename Weights::element;
    const f32_activations & a = t.a;
    const element * panel = (const element *) t.panel;
    const size_t panel_stride = t.panel_stride / sizeof(element);
    __m512 acc[MR][NV];
    load_tile(acc, t.y, t.ldy, t.accumulate);
    const float * x = a.x + t.row * a.ldx;
#pragma GCC unroll 4
    for (int64_t k = t.s0; k < t.s1; ++k) {
        __m512 w[NV];
#pragma GCC unroll 2
        for (int v = 0; v < NV; ++v) w[v] = Weights::load(panel + v * panel_stride + k * panel_rows);
#pragma GCC unroll 6
        for (int m = 0; m < MR; ++m) {
            const __m512 xk = _mm512_set1_ps(x[m * a.ldx + k]);
#pragma GCC unroll 2
            for (int v = 0; v < NV; ++v) acc[m][v] = _mm512_fmadd_ps(w[v], xk, acc[m][v]);
        }
    }
    store_tile(acc, t.y, t.ldy);
}

// AVX2: MR rows (up to 6) x one panel, two ymm per k. 6 rows hold 12 accumulators, plus the panel's 2 weight
// registers and a broadcast: 15 of the 16 ymm registers. Two panels (4 ymm per k) would leave room for 2 rows: 8 FMAs
// per 6 loads, against 12 per 8 here.
template <class Weights, int MR>
F32_AVX2_TARGET void f32_tile_avx2(const tile_args<f32_activations> & t) {
    using element = typename Weights::element;
    const f32_activations & a = t.a;
    const element * panel = (const element *) t.panel;
    __m256 acc[MR][2];
    load_tile(acc, t.y, t.ldy, t.accumulate);
    const float * x = a.x + t.row * a.ldx;
#pragma GCC unroll 4
    for (int64_t k = t.s0; k < t.s1; ++k) {
        const __m256 w0 = Weights::load8(panel + k * panel_rows), w1 = Weights::load8(panel + k * panel_rows + 8);
#pragma GCC unroll 6
        for (int m = 0; m < MR; ++m) {
            const __m256 xk = _mm256_broadcast_ss(x + m * a.ldx + k);
            acc[m][0] = _mm256_fmadd_ps(w0, xk, acc[m][0]);
            acc[m][1] = _mm256_fmadd_ps(w1, xk, acc[m][1]);
        }
    }
    store_tile(acc, t.y, t.ldy);
}

template <class W>
struct f32_kernel_avx512 {
    using Weights = W;
    static constexpr isa_level level = isa_level::avx512;
    template <int MR, int NV> static void run(const tile_args<f32_activations> & t) { f32_tile<Weights, MR, NV>(t); }
    static void tiles(int rows, int nv, const tile_args<f32_activations> & t) { dispatch_tile<f32_kernel_avx512>(rows, nv, t); }
};

template <class W>
struct f32_kernel_avx2 {
    using Weights = W;
    static constexpr isa_level level = isa_level::avx2;
    static constexpr int max_rows = 6;
    template <int MR> static void run(const tile_args<f32_activations> & t) { f32_tile_avx2<Weights, MR>(t); }
    static void tiles(int rows, int nv, const tile_args<f32_activations> & t) { dispatch_panels<f32_kernel_avx2>(rows, nv, t); }
};

template <class Kernel>
struct f32_format {
    using Weights = typename Kernel::Weights;
    using element = typename Weights::element;
    static constexpr isa_level level = Kernel::level;
    static constexpr int64_t mc = 192;
    static constexpr int64_t kc = 256; // F16 at 512 (the same 32 KiB of a unit's panels) was not faster (finding 28)
    using activations = f32_activations;

    static activations prepare(const float * x, int64_t ldx, int64_t, int64_t, std::vector<uint8_t> &) { return {x, ldx}; }

    static void tile(int rows, int nv, const packed_weight & w, int64_t panel, const activations & a, int64_t row, int64_t k0,
                     int64_t k1, float * y, int64_t ldy, bool accumulate) {
        const size_t stride = (size_t) w.k * panel_rows * sizeof(element);
        Kernel::tiles(rows, nv, tile_args<activations>{(const uint8_t *) w.data + panel * stride, stride, a, row, k0, k1, y, ldy, accumulate});
    }

    static void tail(const packed_weight & w, const activations & a, int64_t rows, float * y, int64_t ldy) {
        for (int64_t n = w.n / panel_rows * panel_rows; n < w.n; ++n) {
            const element * wr = (const element *) w.data + n * w.k;
            for (int64_t r = 0; r < rows; ++r) {
                float sum = 0.0f;
                for (int64_t i = 0; i < w.k; ++i) sum += Weights::value(wr[i]) * a.x[r * a.ldx + i];
                y[r * ldy + n] = sum;
            }
        }
    }
};

// Packs rows [0, cols) of a (row stride lda) into panels of 16 at out ([k][16] each), zero after the last row.
void pack_f32_rows(const float * a, int64_t lda, int64_t cols, int64_t k, float * out) {
    const int64_t panels = (cols + panel_rows - 1) / panel_rows;
    for (int64_t p = 0; p < panels; ++p) {
        float * panel = out + p * k * panel_rows;
        for (int64_t r = 0; r < panel_rows; ++r) {
            const int64_t j = p * panel_rows + r;
            if (j < cols) {
                for (int64_t i = 0; i < k; ++i) panel[i * panel_rows + r] = a[j * lda + i];
            } else {
                for (int64_t i = 0; i < k; ++i) panel[i * panel_rows + r] = 0.0f;
            }
        }
    }
}

template <class Kernel>
void activation_product_f32(const float * a, int64_t lda, int64_t cols, const float * b, int64_t ldb, int64_t m, int64_t k, float * y,
                            int64_t ldy) {
    const int nv = (int) ((cols + panel_rows - 1) / panel_rows);
    const bool whole = cols == nv * panel_rows; // else the tiles write a full-width scratch, copied out below
    const int64_t scratch_ld = nv * panel_rows;
    thread_local std::vector<float> scratch;
    scratch.resize((size_t) (nv * panel_rows * k + (whole ? 0 : m * scratch_ld)));
    float * panels = scratch.data();
    float * out = whole ? y : panels + nv * panel_rows * k;
    const int64_t ld = whole ? ldy : scratch_ld;
    pack_f32_rows(a, lda, cols, k, panels);
    const size_t stride = (size_t) k * panel_rows * sizeof(float);
    const f32_activations acts{b, ldb};
    for (int64_t i = 0; i < m; i += tile_rows) {
        const tile_args<f32_activations> args{(const uint8_t *) panels, stride, acts, i, 0, k, out + i * ld, ld, false};
        Kernel::tiles((int) std::min(tile_rows, m - i), nv, args);
    }
    if (!whole) {
        for (int64_t i = 0; i < m; ++i) std::memcpy(y + i * ldy, out + i * ld, (size_t) cols * sizeof(float));
    }
}

} // namespace

void activation_product_f32_avx512(const float * a, int64_t lda, int64_t cols, const float * b, int64_t ldb, int64_t m, int64_t k,
                                   float * y, int64_t ldy) {
    activation_product_f32<f32_kernel_avx512<f32_weights>>(a, lda, cols, b, ldb, m, k, y, ldy);
}

void activation_product_f32_avx2(const float * a, int64_t lda, int64_t cols, const float * b, int64_t ldb, int64_t m, int64_t k,
                                 float * y, int64_t ldy) {
    activation_product_f32<f32_kernel_avx2<f32_weights>>(a, lda, cols, b, ldb, m, k, y, ldy);
}

void matmul_f32_avx512(const packed_weight & w, const float * x, int64_t ldx, int64_t rows, float * y, int64_t ldy,
                       const output_stage & stage, int nth, work_queue & queue) {
    run_gemm<f32_format<f32_kernel_avx512<f32_weights>>>(w, x, ldx, rows, y, ldy, stage, nth, queue);
}

void matmul_f16_avx512(const packed_weight & w, const float * x, int64_t ldx, int64_t rows, float * y, int64_t ldy,
                       const output_stage & stage, int nth, work_queue & queue) {
    run_gemm<f32_format<f32_kernel_avx512<f16_weights>>>(w, x, ldx, rows, y, ldy, stage, nth, queue);
}

void matmul_f32_avx2(const packed_weight & w, const float * x, int64_t ldx, int64_t rows, float * y, int64_t ldy,
                     const output_stage & stage, int nth, work_queue & queue) {
    run_gemm<f32_format<f32_kernel_avx2<f32_weights>>>(w, x, ldx, rows, y, ldy, stage, nth, queue);
}

void matmul_f16_avx2(const packed_weight & w, const float * x, int64_t ldx, int64_t rows, float * y, int64_t ldy,
                     const output_stage & stage, int nth, work_queue & queue) {
    run_gemm<f32_format<f32_kernel_avx2<f16_weights>>>(w, x, ldx, rows, y, ldy, stage, nth, queue);
}

} // namespace deberta::kernels::detail

#endif
