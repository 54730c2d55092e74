// The products' output stage (bias, then GELU) and GELU in the erf form, vectorized with AVX-512 and with AVX2 (the
// same arithmetic, so the same results).
//
// GELU(x) = x * Phi(x), Phi(x) = erfc(-x / sqrt 2) / 2. With z = |x| / sqrt 2 and t = 1 / (1 + z/2),
// erfc(z) = t * exp(P(t) - z^2), where P is a degree-9 polynomial fitted here (Chebyshev interpolation of
// ln(erfc(z) / t) + z^2 on t in [1/6, 1], i.e. z in [0, 10]; its own error is below 1e-7). Phi(x) is then h or 1 - h
// with h = erfc(z) / 2, so the negative side keeps its relative accuracy (x * (1 + erff(x / sqrt 2)) / 2, ggml's form,
// cancels there). Beyond z = 10 (|x| > 14.1), h is taken as 0: erfc(10) is 2e-45.
#include "kernels_internal.h"

#if defined(DEBERTA_KERNELS_X86)
#include "x86_intrinsics.h"

#define STAGE_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq")))
#define STAGE_AVX2_TARGET __attribute__((target("avx2,fma")))

namespace deberta::kernels::detail {

namespace {

// P(t) in powers of (t - center).
constexpr float p_center = 7.0f / 12.0f;
constexpr float p_coefficients[] = {-5.585954189e-01f, 1.368737102e+00f, 9.070495516e-02f,  -4.074054956e-01f,
                                    -3.529471532e-02f, 2.953700423e-01f, -4.305985570e-02f, -2.462789267e-01f,
                                    7.970519364e-02f,  1.480460465e-01f};
constexpr float z_limit = 10.0f;

// exp: y = n ln2 + r, n = round(y log2 e), ln2 in two parts (n * ln2_high is exact for the n that occur); exp(r) by
// its Taylor series, 1/i! in powers of r.
constexpr float log2_e = 1.44269504088896341f;
constexpr float ln2_high = 0.693145751953125f, ln2_low = 1.428606765330187e-06f;
constexpr float exp_taylor[] = {1.0f, 1.0f, 0.5f, 1.0f / 6, 1.0f / 24, 1.0f / 120, 1.0f / 720, 1.0f / 5040};

// exp(y) for y in [-110, 0]: |r| <= ln2 / 2, the series to r^7 (relative error 6e-9), times 2^n (scalef also gives
// the subnormal results).
STAGE_TARGET inline __m512 exp_nonpositive(__m512 y) {
    const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(y, _mm512_set1_ps(log2_e)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(ln2_high), y);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(ln2_low), r);
    __m512 p = _mm512_set1_ps(exp_taylor[7]);
#pragma GCC unroll 7
    for (int i = 6; i >= 0; --i) p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(exp_taylor[i]));
    return _mm512_scalef_ps(p, n);
}

STAGE_TARGET inline __m512 gelu_erf16(__m512 x) {
    const __m512 z_raw = _mm512_mul_ps(_mm512_abs_ps(x), _mm512_set1_ps(0.70710678118654752f));
    const __mmask16 tail = _mm512_cmp_ps_mask(z_raw, _mm512_set1_ps(z_limit), _CMP_GT_OQ);
    const __m512 z = _mm512_min_ps(z_raw, _mm512_set1_ps(z_limit)); // NaN -> the limit; x carries the NaN to the result
    const __m512 t = _mm512_div_ps(_mm512_set1_ps(1.0f), _mm512_fmadd_ps(z, _mm512_set1_ps(0.5f), _mm512_set1_ps(1.0f)));
    const __m512 u = _mm512_sub_ps(t, _mm512_set1_ps(p_center));
    __m512 p = _mm512_set1_ps(p_coefficients[9]);
#pragma GCC unroll 9
    for (int i = 8; i >= 0; --i) p = _mm512_fmadd_ps(p, u, _mm512_set1_ps(p_coefficients[i]));
    const __m512 e = exp_nonpositive(_mm512_fnmadd_ps(z, z, p));
    const __m512 h = _mm512_maskz_mul_ps((__mmask16) ~tail, _mm512_mul_ps(t, _mm512_set1_ps(0.5f)), e); // erfc(z) / 2
    const __mmask16 negative = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ);
    const __m512 phi = _mm512_mask_mov_ps(_mm512_sub_ps(_mm512_set1_ps(1.0f), h), negative, h);
    return _mm512_mul_ps(x, phi);
}

} // namespace

STAGE_TARGET void gelu_erf_avx512(const float * x, float * y, int64_t n) {
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, gelu_erf16(_mm512_loadu_ps(x + i)));
    if (i < n) {
        const __mmask16 m = (__mmask16) ((1u << (n - i)) - 1);
        _mm512_mask_storeu_ps(y + i, m, gelu_erf16(_mm512_maskz_loadu_ps(m, x + i)));
    }
}

STAGE_TARGET void apply_output_stage_avx512(const output_stage & stage, float * y, int64_t ldy, int64_t rows, int64_t col0, int64_t cols) {
    for (int64_t r = 0; r < rows; ++r) {
        float * yr = y + r * ldy;
        for (int64_t c = 0; c < cols; c += 16) {
            const __mmask16 m = cols - c >= 16 ? (__mmask16) 0xffff : (__mmask16) ((1u << (cols - c)) - 1);
            __m512 v = _mm512_maskz_loadu_ps(m, yr + c);
            if (stage.bias) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m, stage.bias + col0 + c));
            if (stage.gelu_erf) v = gelu_erf16(v);
            _mm512_mask_storeu_ps(yr + c, m, v);
        }
    }
}

namespace {

// 2^e for integer e in [-126, 127].
STAGE_AVX2_TARGET inline __m256 power_of_two8(__m256i e) {
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(e, _mm256_set1_epi32(127)), 23));
}

// exp_nonpositive in AVX2: no scalef, so 2^n is applied as 2^(n - n/2) times 2^(n/2), both normal for n >= -160; the
// first product is exact and the second rounds once, as scalef does.
STAGE_AVX2_TARGET inline __m256 exp_nonpositive8(__m256 y) {
    const __m256 n = _mm256_round_ps(_mm256_mul_ps(y, _mm256_set1_ps(log2_e)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(ln2_high), y);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(ln2_low), r);
    __m256 p = _mm256_set1_ps(exp_taylor[7]);
#pragma GCC unroll 7
    for (int i = 6; i >= 0; --i) p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(exp_taylor[i]));
    const __m256i ni = _mm256_cvtps_epi32(n);
    const __m256i half = _mm256_srai_epi32(ni, 1);
    return _mm256_mul_ps(_mm256_mul_ps(p, power_of_two8(_mm256_sub_epi32(ni, half))), power_of_two8(half));
}

STAGE_AVX2_TARGET inline __m256 gelu_erf8(__m256 x) {
    const __m256 z_raw = _mm256_mul_ps(_mm256_andnot_ps(_mm256_set1_ps(-0.0f), x), _mm256_set1_ps(0.70710678118654752f));
    const __m256 tail = _mm256_cmp_ps(z_raw, _mm256_set1_ps(z_limit), _CMP_GT_OQ);
    const __m256 z = _mm256_min_ps(z_raw, _mm256_set1_ps(z_limit)); // NaN -> the limit; x carries the NaN to the result
    const __m256 t = _mm256_div_ps(_mm256_set1_ps(1.0f), _mm256_fmadd_ps(z, _mm256_set1_ps(0.5f), _mm256_set1_ps(1.0f)));
    const __m256 u = _mm256_sub_ps(t, _mm256_set1_ps(p_center));
    __m256 p = _mm256_set1_ps(p_coefficients[9]);
#pragma GCC unroll 9
    for (int i = 8; i >= 0; --i) p = _mm256_fmadd_ps(p, u, _mm256_set1_ps(p_coefficients[i]));
    const __m256 e = exp_nonpositive8(_mm256_fnmadd_ps(z, z, p));
    const __m256 h = _mm256_andnot_ps(tail, _mm256_mul_ps(_mm256_mul_ps(t, _mm256_set1_ps(0.5f)), e)); // erfc(z) / 2
    const __m256 negative = _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LT_OQ);
    const __m256 phi = _mm256_blendv_ps(_mm256_sub_ps(_mm256_set1_ps(1.0f), h), h, negative);
    return _mm256_mul_ps(x, phi);
}

// The first `count` (0..8) lanes.
STAGE_AVX2_TARGET inline __m256i first_lanes(int64_t count) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int) count), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

} // namespace

STAGE_AVX2_TARGET void gelu_erf_avx2(const float * x, float * y, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, gelu_erf8(_mm256_loadu_ps(x + i)));
    if (i < n) {
        const __m256i m = first_lanes(n - i);
        _mm256_maskstore_ps(y + i, m, gelu_erf8(_mm256_maskload_ps(x + i, m)));
    }
}

STAGE_AVX2_TARGET void apply_output_stage_avx2(const output_stage & stage, float * y, int64_t ldy, int64_t rows, int64_t col0, int64_t cols) {
    for (int64_t r = 0; r < rows; ++r) {
        float * yr = y + r * ldy;
        for (int64_t c = 0; c < cols; c += 8) {
            const __m256i m = first_lanes(std::min<int64_t>(8, cols - c));
            __m256 v = _mm256_maskload_ps(yr + c, m);
            if (stage.bias) v = _mm256_add_ps(v, _mm256_maskload_ps(stage.bias + col0 + c, m));
            if (stage.gelu_erf) v = gelu_erf8(v);
            _mm256_maskstore_ps(yr + c, m, v);
        }
    }
}

} // namespace deberta::kernels::detail

#endif
