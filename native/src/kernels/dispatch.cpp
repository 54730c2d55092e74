// Picks the kernel for a weight's format on this CPU.
#include "kernels_internal.h"

#include <cmath>

namespace deberta::kernels {

using namespace detail;

isa_level kernel_level(weight_format format, isa_level cap) {
    const cpu_caps & c = caps();
    bool avx512 = false, avx2 = false;
    switch (format) {
        case weight_format::q8_0: avx512 = c.avx512_vnni, avx2 = c.avx2; break;
        case weight_format::bf16: avx512 = c.avx512_bf16, avx2 = c.avx2; break;
        case weight_format::f32:
        case weight_format::f16: avx512 = c.avx512, avx2 = c.avx2; break;
    }
    if (avx512 && cap >= isa_level::avx512) return isa_level::avx512;
    if (avx2 && cap >= isa_level::avx2) return isa_level::avx2;
    return isa_level::none;
}

void packed_matmul(const packed_weight & w, const float * x, int64_t ldx, int64_t rows, float * y, int64_t ldy,
                   const output_stage & stage, int nth, work_queue & queue) {
#if defined(DEBERTA_KERNELS_X86)
    const bool avx512 = w.level == isa_level::avx512;
    switch (w.format) {
        case weight_format::q8_0:
            return (avx512 ? matmul_q8_0_avx512 : matmul_q8_0_avx2)(w, x, ldx, rows, y, ldy, stage, nth, queue);
        case weight_format::bf16:
            return (avx512 ? matmul_bf16_avx512 : matmul_bf16_avx2)(w, x, ldx, rows, y, ldy, stage, nth, queue);
        case weight_format::f32: return (avx512 ? matmul_f32_avx512 : matmul_f32_avx2)(w, x, ldx, rows, y, ldy, stage, nth, queue);
        case weight_format::f16: return (avx512 ? matmul_f16_avx512 : matmul_f16_avx2)(w, x, ldx, rows, y, ldy, stage, nth, queue);
    }
#else
    (void) w; (void) x; (void) ldx; (void) rows; (void) y; (void) ldy; (void) stage; (void) nth; (void) queue;
#endif
}

void activation_product(const float * a, int64_t lda, int64_t cols, const float * b, int64_t ldb, int64_t m, int64_t k, float * y,
                        int64_t ldy, isa_level level) {
#if defined(DEBERTA_KERNELS_X86)
    (level == isa_level::avx512 ? activation_product_f32_avx512 : activation_product_f32_avx2)(a, lda, cols, b, ldb, m, k, y, ldy);
#else
    (void) a; (void) lda; (void) cols; (void) b; (void) ldb; (void) m; (void) k; (void) y; (void) ldy; (void) level;
#endif
}

void gelu_erf(const float * x, float * y, int64_t n, isa_level level) {
#if defined(DEBERTA_KERNELS_X86)
    (level == isa_level::avx512 ? gelu_erf_avx512 : gelu_erf_avx2)(x, y, n);
#else
    (void) x; (void) y; (void) n; (void) level;
#endif
}

namespace detail {

#if defined(DEBERTA_KERNELS_X86)
void apply_output_stage(const output_stage & stage, float * y, int64_t ldy, int64_t rows, int64_t col0, int64_t cols, isa_level level) {
    if (!stage.bias && !stage.gelu_erf) return;
    (level == isa_level::avx512 ? apply_output_stage_avx512 : apply_output_stage_avx2)(stage, y, ldy, rows, col0, cols);
}
#endif

float fp16_to_float(uint16_t h) {
    const int sign = h >> 15, exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
    float v;
    if (exponent == 0) v = std::ldexp((float) mantissa, -24);
    else if (exponent == 31) v = mantissa ? NAN : INFINITY;
    else v = std::ldexp((float) (mantissa | 0x400), exponent - 25);
    return sign ? -v : v;
}

uint16_t float_to_fp16(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    const uint16_t sign = (uint16_t) ((u >> 16) & 0x8000);
    const uint32_t a = u & 0x7fffffff;
    if (a >= 0x7f800000) return sign | 0x7c00 | (a > 0x7f800000 ? 0x200 : 0); // inf, nan
    if (a >= 0x477ff000) return sign | 0x7c00;                                 // rounds past 65504
    if (a < 0x38800000) {                                                      // half subnormal or zero
        const float scaled = std::nearbyint(std::fabs(f) * 16777216.0f);       // units of 2^-24, ties to even
        return sign | (uint16_t) scaled;
    }
    // Normal: drop 13 mantissa bits with ties to even, rebias the exponent by 15 - 127.
    const uint32_t rounded = a + 0xfff + ((a >> 13) & 1);
    return sign | (uint16_t) ((rounded >> 13) - ((127 - 15) << 10));
}

} // namespace detail

} // namespace deberta::kernels
