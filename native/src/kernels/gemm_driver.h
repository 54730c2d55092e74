// gemm_driver.h: the loops around a format's micro-kernel: pieces of (row chunk, two-panel column unit) taken from
// a shared queue, then K chunks, then row tiles (the unit's weights stay in cache across the tiles), then the output
// stage on the finished piece.
//
// A Format supplies:
//   level                  the instructions it uses (for the output stage)
//   mc, kc                 rows per activation chunk, K per cache block (kc a multiple of the format's K step)
//   activations            what prepare() makes of a row chunk
//   prepare(x, ldx, rows, k, scratch) -> activations
//   tile(rows <= tile_rows, panels 1..2, w, panel, acts, row, k0, k1, y, ldy, accumulate), through dispatch_tile
//                          (AVX-512) or dispatch_panels (AVX2)
//   tail(w, acts, rows, y, ldy)   the rows of the weight after the last full panel
// This header has no target attributes: only the Format's functions use AVX-512 or AVX2.
#pragma once

#include "kernels_internal.h"

#include <vector>

namespace deberta::kernels::detail {

constexpr int64_t tile_rows = 6;

// The pieces of work are (row chunk, column unit) pairs, row chunk major, taken in order from the queue: a thread's
// row chunk only grows, so it prepares each chunk's activations at most once.
template <class Format>
void run_gemm(const packed_weight & w, const float * x, int64_t ldx, int64_t rows, float * y, int64_t ldy, const output_stage & stage,
              int nth, work_queue & queue) {
    const int64_t panels = w.n / panel_rows;
    const int64_t column_units = (panels + unit_panels - 1) / unit_panels;
    const int64_t units = column_units + (w.n % panel_rows != 0 ? 1 : 0); // the last one: the rows after the panels
    const int64_t pieces = (rows + Format::mc - 1) / Format::mc * units;

    thread_local std::vector<uint8_t> scratch; // ggml's worker threads live as long as its thread pool
    typename Format::activations acts{};
    int64_t prepared = -1;
    for (int64_t piece; (piece = take_piece(queue, pieces)) >= 0;) {
        const int64_t chunk = piece / units, u = piece % units;
        const int64_t m0 = chunk * Format::mc, mr = std::min(Format::mc, rows - m0);
        if (chunk != prepared) {
            acts = Format::prepare(x + m0 * ldx, ldx, mr, w.k, scratch);
            prepared = chunk;
        }
        float * yc = y + m0 * ldy;
        if (u == column_units) {
            Format::tail(w, acts, mr, yc, ldy);
            const int64_t n0 = panels * panel_rows;
            apply_output_stage(stage, yc + n0, ldy, mr, n0, w.n - n0, Format::level);
            continue;
        }
        const int64_t p = u * unit_panels;
        const int nv = (int) std::min(unit_panels, panels - p);
        for (int64_t k0 = 0; k0 < w.k; k0 += Format::kc) {
            const int64_t k1 = std::min(w.k, k0 + Format::kc);
            for (int64_t i = 0; i < mr; i += tile_rows) {
                Format::tile((int) std::min(tile_rows, mr - i), nv, w, p, acts, i, k0, k1, yc + i * ldy + p * panel_rows, ldy, k0 > 0);
            }
        }
        apply_output_stage(stage, yc + p * panel_rows, ldy, mr, p * panel_rows, nv * panel_rows, Format::level); // while in cache
    }
    leave_queue(queue, nth);
}

// What a micro-kernel gets: its first panel and the bytes to the second, the activations, the tile's first row, its
// K steps [s0, s1) in the format's unit (block, pair, element), and where its outputs go (added to when accumulate).
template <class Activations>
struct tile_args {
    const uint8_t * panel;
    size_t panel_stride;
    const Activations & a;
    int64_t row, s0, s1;
    float * y;
    int64_t ldy;
    bool accumulate;
};

// Calls Kernel::run<MR, NV>(args) for run-time rows (1..6) and panels (1..2).
template <class Kernel, class Activations>
inline void dispatch_tile(int rows, int nv, const tile_args<Activations> & args) {
    switch (rows * 2 + nv - 1) {
        case 2: return Kernel::template run<1, 1>(args);
        case 3: return Kernel::template run<1, 2>(args);
        case 4: return Kernel::template run<2, 1>(args);
        case 5: return Kernel::template run<2, 2>(args);
        case 6: return Kernel::template run<3, 1>(args);
        case 7: return Kernel::template run<3, 2>(args);
        case 8: return Kernel::template run<4, 1>(args);
        case 9: return Kernel::template run<4, 2>(args);
        case 10: return Kernel::template run<5, 1>(args);
        case 11: return Kernel::template run<5, 2>(args);
        case 12: return Kernel::template run<6, 1>(args);
        case 13: return Kernel::template run<6, 2>(args);
    }
}

// Calls Kernel::run<MR>(args) for run-time rows 1..MR.
template <class Kernel, int MR, class Activations>
inline void run_rows(int rows, const tile_args<Activations> & args) {
    if constexpr (MR > 1) {
        if (rows < MR) return run_rows<Kernel, MR - 1>(rows, args);
    }
    Kernel::template run<MR>(args);
}

// A tile (rows 1..6, panels 1..2) through a kernel of one panel and at most Kernel::max_rows rows (AVX2's 16
// registers hold no more): panel by panel, then row groups.
template <class Kernel, class Activations>
inline void dispatch_panels(int rows, int nv, const tile_args<Activations> & args) {
    constexpr int mr = Kernel::max_rows;
    for (int v = 0; v < nv; ++v) {
        for (int r = 0; r < rows; r += mr) {
            const tile_args<Activations> part{args.panel + v * args.panel_stride, args.panel_stride, args.a, args.row + r, args.s0, args.s1,
                                              args.y + r * args.ldy + v * panel_rows, args.ldy, args.accumulate};
            run_rows<Kernel, mr>(std::min(mr, rows - r), part);
        }
    }
}

} // namespace deberta::kernels::detail
