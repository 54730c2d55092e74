// BF16 weights x F32 activations through AVX512-BF16 (vdpbf16ps, F32 accumulation). The activations are rounded
// to bf16 as ggml's BF16 path rounds them (to nearest even, NaN kept quiet, subnormals kept).
//
// AVX2 has no bf16 dot: its kernel widens the weights to F32 (a bf16 is the high half of its float) and runs F32 FMAs
// against the same rounded activations, kept as floats. A product of two bf16 values is exact in F32, so the result
// differs from ggml's only in summation order.
#include "gemm_driver.h"

#if defined(DEBERTA_KERNELS_X86)
#include "x86_intrinsics.h"

#define BF16_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512bf16")))
#define BF16_AVX2_TARGET __attribute__((target("avx2,fma")))

namespace deberta::kernels::detail {

namespace {

struct bf16_activations {
    const uint16_t * x; // [rows][k]
    int64_t k;
};

uint16_t round_to_bf16(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    if ((u & 0x7fffffff) > 0x7f800000) return (uint16_t) ((u >> 16) | 64);
    return (uint16_t) ((u + 0x7fff + ((u >> 16) & 1)) >> 16);
}

BF16_TARGET void round_rows(const float * x, int64_t ldx, int64_t rows, int64_t k, uint16_t * out) {
    const __m512i abs_mask = _mm512_set1_epi32(0x7fffffff), inf = _mm512_set1_epi32(0x7f800000);
    const __m512i half = _mm512_set1_epi32(0x7fff), one = _mm512_set1_epi32(1), quiet = _mm512_set1_epi32(64);
    for (int64_t r = 0; r < rows; ++r) {
        const float * src = x + r * ldx;
        uint16_t * dst = out + r * k;
        int64_t i = 0;
        for (; i + 16 <= k; i += 16) {
            const __m512i u = _mm512_castps_si512(_mm512_loadu_ps(src + i));
            const __m512i high = _mm512_srli_epi32(u, 16);
            const __m512i rounded = _mm512_srli_epi32(_mm512_add_epi32(u, _mm512_add_epi32(half, _mm512_and_si512(high, one))), 16);
            const __mmask16 nan = _mm512_cmpgt_epu32_mask(_mm512_and_si512(u, abs_mask), inf);
            const __m512i bits = _mm512_mask_or_epi32(rounded, nan, high, quiet);
            _mm256_storeu_si256((__m256i *) (dst + i), _mm512_cvtepi32_epi16(bits));
        }
        for (; i < k; ++i) dst[i] = round_to_bf16(src[i]);
    }
}

// rows x (16 * NV) outputs over k pairs [s0, s1).
template <int MR, int NV>
BF16_TARGET void bf16_tile(const tile_args<bf16_activations> & t) {
    const bf16_activations & a = t.a;
    __m512 acc[MR][NV];
    load_tile(acc, t.y, t.ldy, t.accumulate);
    const uint16_t * x = a.x + t.row * a.k;
#pragma GCC unroll 2
    for (int64_t j = t.s0; j < t.s1; ++j) {
        __m512i w[NV];
#pragma GCC unroll 2
        for (int v = 0; v < NV; ++v) w[v] = _mm512_loadu_si512(t.panel + v * t.panel_stride + j * 64);
#pragma GCC unroll 6
        for (int m = 0; m < MR; ++m) {
            int32_t pair;
            std::memcpy(&pair, x + m * a.k + 2 * j, 4);
            const __m512i x2 = _mm512_set1_epi32(pair);
#pragma GCC unroll 2
            for (int v = 0; v < NV; ++v) acc[m][v] = _mm512_dpbf16_ps(acc[m][v], (__m512bh) w[v], (__m512bh) x2);
        }
    }
    store_tile(acc, t.y, t.ldy);
}

struct bf16_kernel {
    template <int MR, int NV> static void run(const tile_args<bf16_activations> & t) { bf16_tile<MR, NV>(t); }
};

// The AVX2 kernel's activations: rounded to bf16, stored as floats.
struct bf16_float_activations {
    const float * x; // [rows][k]
    int64_t k;
};

// acc[m] += (w0, w1) x[m * ldx] for the MR rows: one k of the AVX2 tile.
template <int MR>
BF16_AVX2_TARGET __attribute__((always_inline)) inline void fma_rows(__m256 (&acc)[MR][2], __m256 w0, __m256 w1, const float * x,
                                                                     int64_t ldx) {
#pragma GCC unroll 6
    for (int m = 0; m < MR; ++m) {
        const __m256 xk = _mm256_broadcast_ss(x + m * ldx);
        acc[m][0] = _mm256_fmadd_ps(w0, xk, acc[m][0]);
        acc[m][1] = _mm256_fmadd_ps(w1, xk, acc[m][1]);
    }
}

// AVX2: MR rows (up to 6) x one panel over k pairs [s0, s1). Each pair's weights (rows 0-7, then 8-15, each a (k
// even, k odd) pair of bf16) are widened twice from memory, even k then odd k, so only 2 weight registers are live:
// with 12 accumulators, a broadcast and the mask, 16 registers.
template <int MR>
BF16_AVX2_TARGET void bf16_tile_avx2(const tile_args<bf16_float_activations> & t) {
    const bf16_float_activations & a = t.a;
    __m256 acc[MR][2];
    load_tile(acc, t.y, t.ldy, t.accumulate);
    const float * x = a.x + t.row * a.k;
    const __m256i high = _mm256_set1_epi32((int) 0xffff0000u);
    for (int64_t j = t.s0; j < t.s1; ++j) {
        const __m256i * w = (const __m256i *) (t.panel + j * 64);
        fma_rows(acc, _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_loadu_si256(w), 16)),
                 _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_loadu_si256(w + 1), 16)), x + 2 * j, a.k);
        fma_rows(acc, _mm256_castsi256_ps(_mm256_and_si256(_mm256_loadu_si256(w), high)),
                 _mm256_castsi256_ps(_mm256_and_si256(_mm256_loadu_si256(w + 1), high)), x + 2 * j + 1, a.k);
    }
    store_tile(acc, t.y, t.ldy);
}

struct bf16_kernel_avx2 {
    static constexpr int max_rows = 6;
    template <int MR> static void run(const tile_args<bf16_float_activations> & t) { bf16_tile_avx2<MR>(t); }
};


float bf16_to_float(uint16_t h) {
    const uint32_t u = (uint32_t) h << 16;
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}

float activation_value(uint16_t stored) { return bf16_to_float(stored); }
float activation_value(float stored) { return stored; }

// The rows after the last full panel, plain bf16, against either form of the rounded activations.
template <class Activations>
void bf16_tail(const packed_weight & w, const Activations & a, int64_t rows, float * y, int64_t ldy) {
    for (int64_t n = w.n / panel_rows * panel_rows; n < w.n; ++n) {
        const uint16_t * wr = (const uint16_t *) w.data + n * a.k;
        for (int64_t r = 0; r < rows; ++r) {
            float sum = 0.0f;
            for (int64_t i = 0; i < a.k; ++i) sum += bf16_to_float(wr[i]) * activation_value(a.x[r * a.k + i]);
            y[r * ldy + n] = sum;
        }
    }
}

struct bf16_format {
    static constexpr isa_level level = isa_level::avx512;
    static constexpr int64_t mc = 192;
    static constexpr int64_t kc = 512;
    using activations = bf16_activations;

    static activations prepare(const float * x, int64_t ldx, int64_t rows, int64_t k, std::vector<uint8_t> & scratch) {
        scratch.resize((size_t) (rows * k) * sizeof(uint16_t));
        uint16_t * out = (uint16_t *) scratch.data();
        round_rows(x, ldx, rows, k, out);
        return {out, k};
    }

    static void tile(int rows, int nv, const packed_weight & w, int64_t panel, const activations & a, int64_t row, int64_t k0,
                     int64_t k1, float * y, int64_t ldy, bool accumulate) {
        const size_t stride = (size_t) a.k * panel_rows * sizeof(uint16_t);
        dispatch_tile<bf16_kernel>(rows, nv, tile_args<activations>{(const uint8_t *) w.data + panel * stride, stride, a, row,
                                                                    k0 / 2, k1 / 2, y, ldy, accumulate});
    }

    static void tail(const packed_weight & w, const activations & a, int64_t rows, float * y, int64_t ldy) { bf16_tail(w, a, rows, y, ldy); }
};

struct bf16_format_avx2 {
    static constexpr isa_level level = isa_level::avx2;
    static constexpr int64_t mc = bf16_format::mc;
    static constexpr int64_t kc = bf16_format::kc;
    using activations = bf16_float_activations;

    // Scalar: the rounding is k operations per row against 2 k n for the row's products.
    static activations prepare(const float * x, int64_t ldx, int64_t rows, int64_t k, std::vector<uint8_t> & scratch) {
        scratch.resize((size_t) (rows * k) * sizeof(float));
        float * out = (float *) scratch.data();
        for (int64_t r = 0; r < rows; ++r) {
            for (int64_t i = 0; i < k; ++i) out[r * k + i] = bf16_to_float(round_to_bf16(x[r * ldx + i]));
        }
        return {out, k};
    }

    static void tile(int rows, int nv, const packed_weight & w, int64_t panel, const activations & a, int64_t row, int64_t k0,
                     int64_t k1, float * y, int64_t ldy, bool accumulate) {
        const size_t stride = (size_t) a.k * panel_rows * sizeof(uint16_t);
        dispatch_panels<bf16_kernel_avx2>(rows, nv, tile_args<activations>{(const uint8_t *) w.data + panel * stride, stride, a, row,
                                                                           k0 / 2, k1 / 2, y, ldy, accumulate});
    }

    static void tail(const packed_weight & w, const activations & a, int64_t rows, float * y, int64_t ldy) { bf16_tail(w, a, rows, y, ldy); }
};

} // namespace

void matmul_bf16_avx2(const packed_weight & w, const float * x, int64_t ldx, int64_t rows, float * y, int64_t ldy,
                      const output_stage & stage, int nth, work_queue & queue) {
    run_gemm<bf16_format_avx2>(w, x, ldx, rows, y, ldy, stage, nth, queue);
}

void matmul_bf16_avx512(const packed_weight & w, const float * x, int64_t ldx, int64_t rows, float * y, int64_t ldy,
                        const output_stage & stage, int nth, work_queue & queue) {
    run_gemm<bf16_format>(w, x, ldx, rows, y, ldy, stage, nth, queue);
}

} // namespace deberta::kernels::detail

#endif
