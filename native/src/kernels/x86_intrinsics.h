// x86_intrinsics.h: the intrinsics for the kernel files (each function there carries its own target attribute).
#pragma once

#include <immintrin.h>

// GCC 12 reports the deliberately undefined pass-through operand inside some AVX-512 intrinsics.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <cstdint>

namespace deberta::kernels::detail {

// A tile's F32 accumulators: rows of NV registers, from y (row stride ldy) or zero, and back; 512-bit registers for
// the AVX-512 kernels, 256-bit ones for the AVX2 kernels.
template <int MR, int NV>
__attribute__((target("avx512f"), always_inline)) inline void load_tile(__m512 (&acc)[MR][NV], const float * y, int64_t ldy,
                                                                        bool accumulate) {
#pragma GCC unroll 6
    for (int m = 0; m < MR; ++m) {
#pragma GCC unroll 2
        for (int v = 0; v < NV; ++v) acc[m][v] = accumulate ? _mm512_loadu_ps(y + m * ldy + v * 16) : _mm512_setzero_ps();
    }
}

template <int MR, int NV>
__attribute__((target("avx512f"), always_inline)) inline void store_tile(const __m512 (&acc)[MR][NV], float * y, int64_t ldy) {
#pragma GCC unroll 6
    for (int m = 0; m < MR; ++m) {
#pragma GCC unroll 2
        for (int v = 0; v < NV; ++v) _mm512_storeu_ps(y + m * ldy + v * 16, acc[m][v]);
    }
}

template <int MR, int NV>
__attribute__((target("avx2"), always_inline)) inline void load_tile(__m256 (&acc)[MR][NV], const float * y, int64_t ldy, bool accumulate) {
#pragma GCC unroll 6
    for (int m = 0; m < MR; ++m) {
#pragma GCC unroll 2
        for (int v = 0; v < NV; ++v) acc[m][v] = accumulate ? _mm256_loadu_ps(y + m * ldy + v * 8) : _mm256_setzero_ps();
    }
}

template <int MR, int NV>
__attribute__((target("avx2"), always_inline)) inline void store_tile(const __m256 (&acc)[MR][NV], float * y, int64_t ldy) {
#pragma GCC unroll 6
    for (int m = 0; m < MR; ++m) {
#pragma GCC unroll 2
        for (int v = 0; v < NV; ++v) _mm256_storeu_ps(y + m * ldy + v * 8, acc[m][v]);
    }
}

} // namespace deberta::kernels::detail
