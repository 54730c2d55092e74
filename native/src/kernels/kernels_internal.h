// kernels_internal.h: what the kernel files share: layouts, the work split, the per-format entry points.
#pragma once

#include "kernels.h"

#include <algorithm>
#include <cstring>

namespace deberta::kernels::detail {

// ggml's Q8_0 block: an fp16 scale, then 32 int8 values.
constexpr int64_t q8_block = 32;
constexpr size_t q8_block_bytes = 2 + q8_block;
// A packed Q8_0 panel block: 8 groups of [16 rows x 4 bytes] (weights + 128 as uint8, for vpdpbusd), then
// the 16 rows' fp16 scales; 16 plain blocks in the same bytes.
constexpr size_t q8_panel_weights_bytes = 8 * panel_rows * 4;
constexpr size_t q8_panel_block_bytes = panel_rows * q8_block_bytes;
static_assert(q8_panel_weights_bytes + panel_rows * 2 == q8_panel_block_bytes, "a Q8_0 panel replaces 16 rows");

// Output columns are handed out in units of two panels (the micro-kernels' 32 columns), plus one unit for the
// rows left over after the last full panel.
constexpr int64_t unit_panels = unit_columns / panel_rows;

inline uint16_t load_u16(const uint8_t * p) {
    uint16_t v;
    std::memcpy(&v, p, 2);
    return v;
}

// IEEE half <-> float (round to nearest even), as F16C's conversions.
float fp16_to_float(uint16_t h);
uint16_t float_to_fp16(float f);

struct cpu_caps {
    bool avx2 = false;        // AVX2, FMA and F16C with the OS saving the YMM state
    bool avx512 = false;      // F, BW, VL, DQ with the OS saving the ZMM state
    bool avx512_vnni = false;
    bool avx512_bf16 = false;
};
const cpu_caps & caps();

// The stage on a block of finished outputs: rows x cols of y (row stride ldy), which are the product's columns
// [col0, col0 + cols), with the instructions of level (not none). x86-64 only, as the kernels that call it.
void apply_output_stage(const output_stage & stage, float * y, int64_t ldy, int64_t rows, int64_t col0, int64_t cols, isa_level level);

#if defined(__x86_64__) && defined(__GNUC__)
#define DEBERTA_KERNELS_X86 1
// The entry point of every product with a packed weight, one per format and instruction set (packed_matmul's contract).
using matmul_fn = void(const packed_weight & w, const float * x, int64_t ldx, int64_t rows, float * y, int64_t ldy,
                       const output_stage & stage, int nth, work_queue & queue);
matmul_fn matmul_q8_0_avx512, matmul_bf16_avx512, matmul_f32_avx512, matmul_f16_avx512;
matmul_fn matmul_q8_0_avx2, matmul_bf16_avx2, matmul_f32_avx2, matmul_f16_avx2;
void activation_product_f32_avx512(const float * a, int64_t lda, int64_t cols, const float * b, int64_t ldb, int64_t m, int64_t k,
                                   float * y, int64_t ldy);
void gelu_erf_avx512(const float * x, float * y, int64_t n);
void apply_output_stage_avx512(const output_stage & stage, float * y, int64_t ldy, int64_t rows, int64_t col0, int64_t cols);

void activation_product_f32_avx2(const float * a, int64_t lda, int64_t cols, const float * b, int64_t ldb, int64_t m, int64_t k,
                                 float * y, int64_t ldy);
void gelu_erf_avx2(const float * x, float * y, int64_t n);
void apply_output_stage_avx2(const output_stage & stage, float * y, int64_t ldy, int64_t rows, int64_t col0, int64_t cols);
#endif

} // namespace deberta::kernels::detail
