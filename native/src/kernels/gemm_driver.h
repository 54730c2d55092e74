// gemm_driver.h: the loops around a format's micro-kernel (GotoBLAS order: this thread's output columns,
// row chunks whose activations are prepared once, K chunks, two-panel column units, row tiles).
//
// A Format supplies:
//   mc, kc                 rows per activation chunk, K per cache block (kc a multiple of the format's K step)
//   activations            what prepare() makes of a row chunk
//   prepare(x, ldx, rows, k, scratch) -> activations
//   tile(rows <= tile_rows, panels 1..2, w, panel, acts, row, k0, k1, y, ldy, accumulate)
//   tail(w, acts, rows, y, ldy)   the rows of the weight after the last full panel
// This header has no target attributes: only the Format's functions use AVX-512.
#pragma once

#include "kernels_internal.h"

#include <vector>

namespace deberta::kernels::detail {

constexpr int64_t tile_rows = 6;

template <class Format>
void run_gemm(const packed_weight & w, const float * x, int64_t ldx, int64_t rows, float * y, int64_t ldy, int ith, int nth) {
    const int64_t panels = w.n / panel_rows;
    int64_t u0, u1;
    split((panels + unit_panels - 1) / unit_panels, ith, nth, u0, u1);
    const bool tail = ith == nth - 1 && w.n % panel_rows != 0;
    if (u0 == u1 && !tail) return;

    thread_local std::vector<uint8_t> scratch; // ggml's worker threads live as long as its thread pool
    for (int64_t m0 = 0; m0 < rows; m0 += Format::mc) {
        const int64_t mr = std::min(Format::mc, rows - m0);
        const typename Format::activations acts = Format::prepare(x + m0 * ldx, ldx, mr, w.k, scratch);
        float * yc = y + m0 * ldy;
        for (int64_t k0 = 0; k0 < w.k; k0 += Format::kc) {
            const int64_t k1 = std::min(w.k, k0 + Format::kc);
            for (int64_t u = u0; u < u1; ++u) {
                const int64_t p = u * unit_panels;
                const int nv = (int) std::min(unit_panels, panels - p);
                for (int64_t i = 0; i < mr; i += tile_rows) {
                    Format::tile((int) std::min(tile_rows, mr - i), nv, w, p, acts, i, k0, k1,
                                 yc + i * ldy + p * panel_rows, ldy, k0 > 0);
                }
            }
        }
        if (tail) Format::tail(w, acts, mr, yc, ldy);
    }
}

// Calls kernel.template run<MR, NV>() for run-time rows (1..6) and panels (1..2).
template <class Kernel>
inline void dispatch_tile(int rows, int nv, Kernel && kernel) {
    switch (rows * 2 + nv - 1) {
        case 2: return kernel.template run<1, 1>();
        case 3: return kernel.template run<1, 2>();
        case 4: return kernel.template run<2, 1>();
        case 5: return kernel.template run<2, 2>();
        case 6: return kernel.template run<3, 1>();
        case 7: return kernel.template run<3, 2>();
        case 8: return kernel.template run<4, 1>();
        case 9: return kernel.template run<4, 2>();
        case 10: return kernel.template run<5, 1>();
        case 11: return kernel.template run<5, 2>();
        case 12: return kernel.template run<6, 1>();
        case 13: return kernel.template run<6, 2>();
    }
}

} // namespace deberta::kernels::detail
