// Q8_0 weights x F32 activations through AVX512-VNNI (vpdpbusd), with ggml's Q8_0 arithmetic: activations are
// quantized per 32-block exactly as ggml's x86 quantize_row_q8_0 (d = amax/127 kept as fp16, q = round-to-even
// of x * 127/amax), every block's integer dot is exact, and each block adds (d_w * d_x) * dot to the sum.
//
// vpdpbusd multiplies unsigned by signed bytes: the packed weights hold w + 128, so a block's sum over
// (w + 128) * q exceeds the wanted one by 128 * sum(q), which starts each block's integer accumulator.
//
// AVX2 has no vpdpbusd: vpmaddubsw multiplies unsigned by signed bytes into 16-bit pair sums (saturating), vpmaddwd
// by ones adds the pairs into 32 bits. With w + 128 as the unsigned operand a pair sum reaches 2 * 255 * 127 and
// saturates, so the AVX2 kernel takes |w| as the unsigned operand and q with w's sign (vpsignb) as the signed one:
// |w| <= 128 and |q| <= 127 keep each pair sum within 32512, and the products are exact for every int8 w (w = -128
// too, where the sign taken from q instead would wrap). w itself is the stored byte xor 0x80.
#include "gemm_driver.h"

#if defined(DEBERTA_KERNELS_X86)
#include "x86_intrinsics.h"

#define Q8_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,f16c")))
#define Q8_AVX2_TARGET __attribute__((target("avx2,fma,f16c")))

namespace deberta::kernels::detail {

namespace {

struct q8_activations {
    const int8_t * q;     // [rows][k]
    const float * d;      // [rows][nb]: the fp16 scale, widened
    const int32_t * bias; // [rows][nb]: -128 * sum of the block's q (AVX-512 only)
    int64_t k, nb;
};

Q8_TARGET void quantize_rows(const float * x, int64_t ldx, int64_t rows, int64_t k, int8_t * q, float * d, int32_t * bias) {
    const int64_t nb = k / q8_block;
    const __m512 sign = _mm512_set1_ps(-0.0f);
    for (int64_t r = 0; r < rows; ++r) {
        for (int64_t b = 0; b < nb; ++b) {
            const float * src = x + r * ldx + b * q8_block;
            __m512 v0 = _mm512_loadu_ps(src), v1 = _mm512_loadu_ps(src + 16);
            const float amax = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_andnot_ps(sign, v0), _mm512_andnot_ps(sign, v1)));
            const uint16_t dh = _cvtss_sh(amax / 127.f, _MM_FROUND_TO_NEAREST_INT);
            const __m512 id = _mm512_set1_ps(amax != 0.0f ? 127.f / amax : 0.0f);
            const __m512i i0 = _mm512_cvtps_epi32(_mm512_roundscale_ps(_mm512_mul_ps(v0, id), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
            const __m512i i1 = _mm512_cvtps_epi32(_mm512_roundscale_ps(_mm512_mul_ps(v1, id), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
            int8_t * dst = q + r * k + b * q8_block;
            _mm_storeu_si128((__m128i *) dst, _mm512_cvtsepi32_epi8(i0));
            _mm_storeu_si128((__m128i *) (dst + 16), _mm512_cvtsepi32_epi8(i1));
            // The sum of the stored bytes (saturation cannot bind: |x * 127/amax| <= 127 up to rounding).
            const __m512i s = _mm512_add_epi32(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *) dst)),
                                               _mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *) (dst + 16))));
            d[r * nb + b] = _cvtsh_ss(dh);
            bias[r * nb + b] = -128 * _mm512_reduce_add_epi32(s);
        }
    }
}

// rows x (16 * NV) outputs over blocks [b0, b1).
template <int MR, int NV>
Q8_TARGET void q8_tile(const tile_args<q8_activations> & t) {
    const q8_activations & a = t.a;
    const uint8_t * panel = t.panel;
    const size_t panel_stride = t.panel_stride;
    const int64_t row = t.row;
    __m512 acc[MR][NV];
    load_tile(acc, t.y, t.ldy, t.accumulate);
    const int8_t * q = a.q + row * a.k;
    for (int64_t b = t.s0; b < t.s1; ++b) {
        __m512i dot[MR][NV];
#pragma GCC unroll 6
        for (int m = 0; m < MR; ++m) {
            const __m512i start = _mm512_set1_epi32(a.bias[(row + m) * a.nb + b]);
#pragma GCC unroll 2
            for (int v = 0; v < NV; ++v) dot[m][v] = start;
        }
        const uint8_t * block = panel + b * q8_panel_block_bytes;
#pragma GCC unroll 8
        for (int g = 0; g < 8; ++g) {
            __m512i w[NV];
#pragma GCC unroll 2
            for (int v = 0; v < NV; ++v) w[v] = _mm512_loadu_si512(block + v * panel_stride + g * 64);
#pragma GCC unroll 6
            for (int m = 0; m < MR; ++m) {
                int32_t quad;
                std::memcpy(&quad, q + m * a.k + b * q8_block + g * 4, 4);
                const __m512i x4 = _mm512_set1_epi32(quad);
#pragma GCC unroll 2
                for (int v = 0; v < NV; ++v) dot[m][v] = _mm512_dpbusd_epi32(dot[m][v], w[v], x4);
            }
        }
        __m512 dw[NV];
#pragma GCC unroll 2
        for (int v = 0; v < NV; ++v) {
            dw[v] = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *) (block + v * panel_stride + q8_panel_weights_bytes)));
        }
#pragma GCC unroll 6
        for (int m = 0; m < MR; ++m) {
            const __m512 dx = _mm512_set1_ps(a.d[(row + m) * a.nb + b]);
#pragma GCC unroll 2
            for (int v = 0; v < NV; ++v) {
                acc[m][v] = _mm512_fmadd_ps(_mm512_mul_ps(dw[v], dx), _mm512_cvtepi32_ps(dot[m][v]), acc[m][v]);
            }
        }
    }
    store_tile(acc, t.y, t.ldy);
}

// quantize_rows in AVX2, as ggml's AVX2 quantize_row_q8_0 (the same arithmetic as the AVX-512 one); no bias.
Q8_AVX2_TARGET void quantize_rows_avx2(const float * x, int64_t ldx, int64_t rows, int64_t k, int8_t * q, float * d) {
    const int64_t nb = k / q8_block;
    const __m256 sign = _mm256_set1_ps(-0.0f);
    for (int64_t r = 0; r < rows; ++r) {
        for (int64_t b = 0; b < nb; ++b) {
            const float * src = x + r * ldx + b * q8_block;
            __m256 v[4];
            for (int i = 0; i < 4; ++i) v[i] = _mm256_loadu_ps(src + 8 * i);
            const __m256 m8 = _mm256_max_ps(_mm256_max_ps(_mm256_andnot_ps(sign, v[0]), _mm256_andnot_ps(sign, v[1])),
                                            _mm256_max_ps(_mm256_andnot_ps(sign, v[2]), _mm256_andnot_ps(sign, v[3])));
            __m128 m4 = _mm_max_ps(_mm256_extractf128_ps(m8, 1), _mm256_castps256_ps128(m8));
            m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
            m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
            const float amax = _mm_cvtss_f32(m4);
            const uint16_t dh = _cvtss_sh(amax / 127.f, _MM_FROUND_TO_NEAREST_INT);
            const __m256 id = _mm256_set1_ps(amax != 0.0f ? 127.f / amax : 0.0f);
            __m256i i32[4];
            for (int i = 0; i < 4; ++i) {
                i32[i] = _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(v[i], id), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
            }
            // The packs work within 128-bit lanes; the permutation puts the 32 bytes back in order.
            const __m256i i8 = _mm256_packs_epi16(_mm256_packs_epi32(i32[0], i32[1]), _mm256_packs_epi32(i32[2], i32[3]));
            _mm256_storeu_si256((__m256i *) (q + r * k + b * q8_block),
                                _mm256_permutevar8x32_epi32(i8, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)));
            d[r * nb + b] = _cvtsh_ss(dh);
        }
    }
}

// AVX2: MR rows (up to 2) x one panel over blocks [b0, b1). Per row, two ymm of F32 sums and two of the block's
// integer dots (8 rows each); with the group's two signed and two absolute weight registers, the broadcast, a
// product, and the 0x80 and ones constants, 2 rows fill the 16 ymm registers.
template <int MR>
Q8_AVX2_TARGET void q8_tile_avx2(const tile_args<q8_activations> & t) {
    const q8_activations & a = t.a;
    const int64_t row = t.row;
    __m256 acc[MR][2];
    load_tile(acc, t.y, t.ldy, t.accumulate);
    const int8_t * q = a.q + row * a.k;
    const __m256i flip = _mm256_set1_epi8((char) 0x80), ones = _mm256_set1_epi16(1);
    for (int64_t b = t.s0; b < t.s1; ++b) {
        __m256i dot[MR][2];
#pragma GCC unroll 2
        for (int m = 0; m < MR; ++m) dot[m][0] = dot[m][1] = _mm256_setzero_si256();
        const uint8_t * block = t.panel + b * q8_panel_block_bytes;
#pragma GCC unroll 8
        for (int g = 0; g < 8; ++g) {
            __m256i w[2], w_abs[2];
            for (int v = 0; v < 2; ++v) {
                w[v] = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *) (block + g * 64 + v * 32)), flip);
                w_abs[v] = _mm256_abs_epi8(w[v]);
            }
#pragma GCC unroll 2
            for (int m = 0; m < MR; ++m) {
                int32_t quad;
                std::memcpy(&quad, q + m * a.k + b * q8_block + g * 4, 4);
                const __m256i x4 = _mm256_set1_epi32(quad);
                for (int v = 0; v < 2; ++v) {
                    const __m256i pairs = _mm256_maddubs_epi16(w_abs[v], _mm256_sign_epi8(x4, w[v]));
                    dot[m][v] = _mm256_add_epi32(dot[m][v], _mm256_madd_epi16(pairs, ones));
                }
            }
        }
        __m256 dw[2];
        for (int v = 0; v < 2; ++v) dw[v] = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *) (block + q8_panel_weights_bytes + v * 16)));
#pragma GCC unroll 2
        for (int m = 0; m < MR; ++m) {
            const __m256 dx = _mm256_set1_ps(a.d[(row + m) * a.nb + b]);
            for (int v = 0; v < 2; ++v) acc[m][v] = _mm256_fmadd_ps(_mm256_mul_ps(dw[v], dx), _mm256_cvtepi32_ps(dot[m][v]), acc[m][v]);
        }
    }
    store_tile(acc, t.y, t.ldy);
}

struct q8_kernel_avx512 {
    template <int MR, int NV> static void run(const tile_args<q8_activations> & t) { q8_tile<MR, NV>(t); }
};

struct q8_kernel_avx2 {
    static constexpr int max_rows = 2;
    template <int MR> static void run(const tile_args<q8_activations> & t) { q8_tile_avx2<MR>(t); }
};

// What both levels share: the blocking, the activations' scratch, the plain rows after the last panel.
struct q8_format_common {
    static constexpr int64_t mc = 192;
    static constexpr int64_t kc = 1024;
    using activations = q8_activations;

    // Where rows x k quantized activations go in scratch: q, d and (with_bias) the bias.
    struct buffers {
        int8_t * q;
        float * d;
        int32_t * bias;
    };
    static buffers layout(int64_t rows, int64_t k, bool with_bias, std::vector<uint8_t> & scratch) {
        const int64_t nb = k / q8_block;
        const size_t q_bytes = (size_t) (rows * k + 63) / 64 * 64;
        scratch.resize(q_bytes + (size_t) (rows * nb) * (sizeof(float) + (with_bias ? sizeof(int32_t) : 0)));
        float * d = (float *) (scratch.data() + q_bytes);
        return {(int8_t *) scratch.data(), d, with_bias ? (int32_t *) (d + rows * nb) : nullptr};
    }

    static tile_args<activations> args(const packed_weight & w, int64_t panel, const activations & a, int64_t row, int64_t k0, int64_t k1,
                                       float * y, int64_t ldy, bool accumulate) {
        const size_t stride = (size_t) a.nb * q8_panel_block_bytes;
        return {(const uint8_t *) w.data + panel * stride, stride, a, row, k0 / q8_block, k1 / q8_block, y, ldy, accumulate};
    }

    // The plain rows after the last panel, block by block as ggml's vec_dot does.
    static void tail(const packed_weight & w, const activations & a, int64_t rows, float * y, int64_t ldy) {
        const size_t row_bytes = (size_t) a.nb * q8_block_bytes;
        for (int64_t n = w.n / panel_rows * panel_rows; n < w.n; ++n) {
            const uint8_t * wr = (const uint8_t *) w.data + n * row_bytes;
            for (int64_t r = 0; r < rows; ++r) {
                float sum = 0.0f;
                for (int64_t b = 0; b < a.nb; ++b) {
                    const uint8_t * block = wr + b * q8_block_bytes;
                    const int8_t * qx = a.q + r * a.k + b * q8_block;
                    int32_t dot = 0;
                    for (int64_t i = 0; i < q8_block; ++i) dot += (int8_t) block[2 + i] * qx[i];
                    sum += fp16_to_float(load_u16(block)) * a.d[r * a.nb + b] * (float) dot;
                }
                y[r * ldy + n] = sum;
            }
        }
    }
};

struct q8_format_avx512 : q8_format_common {
    static constexpr isa_level level = isa_level::avx512;

    static activations prepare(const float * x, int64_t ldx, int64_t rows, int64_t k, std::vector<uint8_t> & scratch) {
        const buffers b = layout(rows, k, true, scratch);
        quantize_rows(x, ldx, rows, k, b.q, b.d, b.bias);
        return {b.q, b.d, b.bias, k, k / q8_block};
    }

    static void tile(int rows, int nv, const packed_weight & w, int64_t panel, const activations & a, int64_t row, int64_t k0,
                     int64_t k1, float * y, int64_t ldy, bool accumulate) {
        dispatch_tile<q8_kernel_avx512>(rows, nv, args(w, panel, a, row, k0, k1, y, ldy, accumulate));
    }
};

struct q8_format_avx2 : q8_format_common {
    static constexpr isa_level level = isa_level::avx2;

    static activations prepare(const float * x, int64_t ldx, int64_t rows, int64_t k, std::vector<uint8_t> & scratch) {
        const buffers b = layout(rows, k, false, scratch);
        quantize_rows_avx2(x, ldx, rows, k, b.q, b.d);
        return {b.q, b.d, nullptr, k, k / q8_block};
    }

    static void tile(int rows, int nv, const packed_weight & w, int64_t panel, const activations & a, int64_t row, int64_t k0,
                     int64_t k1, float * y, int64_t ldy, bool accumulate) {
        dispatch_panels<q8_kernel_avx2>(rows, nv, args(w, panel, a, row, k0, k1, y, ldy, accumulate));
    }
};

} // namespace

void matmul_q8_0_avx512(const packed_weight & w, const float * x, int64_t ldx, int64_t rows, float * y, int64_t ldy,
                        const output_stage & stage, int nth, work_queue & queue) {
    run_gemm<q8_format_avx512>(w, x, ldx, rows, y, ldy, stage, nth, queue);
}

void matmul_q8_0_avx2(const packed_weight & w, const float * x, int64_t ldx, int64_t rows, float * y, int64_t ldy,
                      const output_stage & stage, int nth, work_queue & queue) {
    run_gemm<q8_format_avx2>(w, x, ldx, rows, y, ldy, stage, nth, queue);
}

} // namespace deberta::kernels::detail

#endif
