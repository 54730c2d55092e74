// weight_products.h: the products with weight matrices. A weight packed at load (CPU device, a CPU with the
// instructions, F32/BF16/Q8_0) is multiplied by our own kernels (kernels/) as a ggml custom operation, every
// other one by ggml_mul_mat, so GPUs, ARM and older x86 run the stock graph. DEBERTA_KERNELS=ggml forces
// ggml_mul_mat everywhere.
#pragma once

#include "ggml_decls.h"
#include "kernels/kernels.h"

#include <unordered_map>

struct deberta_model;

namespace deberta {

// The weights rearranged for our kernels, by tensor (their plain bytes are gone).
class packed_weights {
public:
    const kernels::packed_weight * find(const ggml_tensor * weight) const {
        auto it = by_tensor_.find(weight);
        return it == by_tensor_.end() ? nullptr : &it->second;
    }
    size_t count() const { return by_tensor_.size(); }
    // Packs weight in place if it qualifies; returns whether it is packed now.
    bool pack(ggml_tensor * weight, bool writable_host_memory);

private:
    std::unordered_map<const ggml_tensor *, kernels::packed_weight> by_tensor_;
};

// Whether DEBERTA_KERNELS lets libdeberta use its own kernels: unset, empty or "auto" yes, "ggml" no;
// throws deberta::error for any other value.
bool own_kernels_allowed();

// Packs the layer projections that qualify (load time, once nothing else reads their plain bytes).
void pack_weights(deberta_model & m);

// weight [K, N] x rows [K, M] (contiguous rows) -> [N, M] F32.
ggml_tensor * weight_product(ggml_context * ctx, const packed_weights & packed, ggml_tensor * weight, ggml_tensor * rows);

// The largest m, n, k and n_threads the self-tests (deberta_selftest_*) accept.
constexpr int32_t selftest_max_dim = 4096;
constexpr int32_t selftest_max_threads = 512;

// Self-test: out[m x n] = x[m x k] * w[n x k]^T (w in ggml type, rows of k) as one graph on the CPU backend, through
// our kernels (own_kernels; throws UNSUPPORTED when w cannot be packed) or ggml's mul_mat. Arguments are checked by
// the C entry points.
void selftest_product(int32_t type, const void * w, size_t w_size, const float * x, float * out, int32_t m, int32_t n,
                      int32_t k, int32_t n_threads, bool own_kernels);

} // namespace deberta
