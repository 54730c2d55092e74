// Weight packing (portable): each full group of 16 rows becomes one panel in the same bytes.
#include "kernels_internal.h"

#include <vector>

namespace deberta::kernels {

using namespace detail;

bool shape_supported(weight_format format, int64_t k, int64_t n) {
    if (k <= 0 || n < panel_rows) return false;
    switch (format) {
        case weight_format::q8_0: return k % q8_block == 0;
        case weight_format::bf16: return k % 2 == 0; // vdpbf16ps consumes pairs of k
        case weight_format::f32:
        case weight_format::f16: return true;
    }
    return false;
}

size_t weight_bytes(weight_format format, int64_t k, int64_t n) {
    switch (format) {
        case weight_format::q8_0: return (size_t) (k / q8_block) * q8_block_bytes * (size_t) n;
        case weight_format::bf16: return (size_t) k * 2 * (size_t) n;
        case weight_format::f32: return (size_t) k * 4 * (size_t) n;
        case weight_format::f16: return (size_t) k * 2 * (size_t) n;
    }
    return 0;
}

namespace {

// Plain: 16 rows of nb blocks {fp16 d, int8 q[32]}. Packed: per block, q[k] + 128 at [k/4][row][k%4], then the
// 16 scales.
void pack_q8_0_panel(const uint8_t * plain, uint8_t * panel, int64_t nb) {
    for (int64_t b = 0; b < nb; ++b) {
        uint8_t * out = panel + b * q8_panel_block_bytes;
        for (int64_t r = 0; r < panel_rows; ++r) {
            const uint8_t * block = plain + (r * nb + b) * q8_block_bytes;
            std::memcpy(out + q8_panel_weights_bytes + 2 * r, block, 2);
            // Four weights at a time (a load takes this loop over every Q8_0 byte of the model).
            for (int64_t g = 0; g < q8_block / 4; ++g) {
                uint32_t four;
                std::memcpy(&four, block + 2 + 4 * g, 4);
                four ^= 0x80808080u;
                std::memcpy(out + g * panel_rows * 4 + r * 4, &four, 4);
            }
        }
    }
}

// Plain: 16 rows of k bf16. Packed: [k/2][row][k%2].
void pack_bf16_panel(const uint8_t * plain, uint8_t * panel, int64_t k) {
    const uint16_t * in = (const uint16_t *) plain;
    uint16_t * out = (uint16_t *) panel;
    for (int64_t r = 0; r < panel_rows; ++r) {
        for (int64_t i = 0; i < k; ++i) out[(i / 2) * panel_rows * 2 + r * 2 + i % 2] = in[r * k + i];
    }
}

// Plain: 16 rows of k floats (F32) or halves (F16). Packed: [k][row].
template <class Element>
void pack_rows_panel(const uint8_t * plain, uint8_t * panel, int64_t k) {
    const Element * in = (const Element *) plain;
    Element * out = (Element *) panel;
    for (int64_t r = 0; r < panel_rows; ++r) {
        for (int64_t i = 0; i < k; ++i) out[i * panel_rows + r] = in[r * k + i];
    }
}

} // namespace

namespace {

void pack_panel(weight_format format, const uint8_t * plain, uint8_t * panel, int64_t k) {
    switch (format) {
        case weight_format::q8_0: pack_q8_0_panel(plain, panel, k / q8_block); break;
        case weight_format::bf16: pack_bf16_panel(plain, panel, k); break;
        case weight_format::f32: pack_rows_panel<float>(plain, panel, k); break;
        case weight_format::f16: pack_rows_panel<uint16_t>(plain, panel, k); break;
    }
}

} // namespace

void pack_in_place(weight_format format, void * data, int64_t k, int64_t n) {
    const size_t panel_bytes = weight_bytes(format, k, panel_rows);
    std::vector<uint8_t> plain(panel_bytes);
    for (int64_t p = 0; p < n / panel_rows; ++p) {
        uint8_t * panel = (uint8_t *) data + p * panel_bytes;
        std::memcpy(plain.data(), panel, panel_bytes);
        pack_panel(format, plain.data(), panel, k);
    }
}

void pack_to(weight_format format, const void * plain, void * packed, int64_t k, int64_t n) {
    const size_t panel_bytes = weight_bytes(format, k, panel_rows);
    const int64_t panels = n / panel_rows;
    for (int64_t p = 0; p < panels; ++p) {
        pack_panel(format, (const uint8_t *) plain + p * panel_bytes, (uint8_t *) packed + p * panel_bytes, k);
    }
    // The rows after the last full panel stay plain, as pack_in_place leaves them.
    std::memcpy((uint8_t *) packed + panels * panel_bytes, (const uint8_t *) plain + panels * panel_bytes,
                weight_bytes(format, k, n) - panels * panel_bytes);
}

} // namespace deberta::kernels
