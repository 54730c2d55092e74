// weight_products.h: the products with weight matrices. A weight packed at load (CPU device, a CPU with the
// instructions, F32/F16/BF16/Q8_0) is multiplied by our own kernels (kernels/) as a ggml custom operation, with the bias
// and a following GELU in the kernels' output stage; every other one by ggml_mul_mat and ggml's ops, so GPUs, ARM
// and older x86 run the stock graph. On such a CPU, GELU elsewhere and the attention products (two activations) run
// on our kernels too. DEBERTA_KERNELS=ggml forces ggml's ops everywhere; DEBERTA_KERNELS=avx2 keeps our kernels to
// their AVX2 forms (to test and measure them on an AVX-512 processor).
#pragma once

#include "ggml_decls.h"
#include "kernels/kernels.h"
#include "platform.h"

#include <memory>
#include <unordered_map>
#include <unordered_set>

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
    // The kernels of GELU (erf form) and the attention products: set at load on a CPU device with our F32 kernel;
    // none: ggml's ops.
    kernels::isa_level own_ops_level = kernels::isa_level::none;
    // Records weight for packing if it qualifies, for the widest kernel this CPU runs for it up to cap; returns
    // whether it will be packed. A weight in the file mapping (in_file_mapping) is packed into memory of its own, the
    // others in place.
    bool add(ggml_tensor * weight, kernels::isa_level cap, bool writable_host_memory, bool in_file_mapping = false);
    // Packs every recorded weight, the weights shared among up to `threads` threads. Packing a mapped weight in place
    // would copy each of its pages on write, one fault per 4 KiB (docs/BENCHMARKS.md finding 27); packed into huge
    // pages instead, its file pages are then let go, so the memory used stays one copy.
    void pack_all(int threads);

private:
    std::unordered_map<const ggml_tensor *, kernels::packed_weight> by_tensor_;
    std::unordered_set<const ggml_tensor *> relocated_;
    std::unique_ptr<host_pages> memory_; // the relocated weights' packed bytes
};

// The widest of libdeberta's own kernels that DEBERTA_KERNELS allows: unset, empty or "auto" AVX-512 (the widest
// this processor runs), "avx2" AVX2, "ggml" none; throws deberta::error for any other value.
kernels::isa_level kernels_cap();

// Packs the layer projections that qualify (load time, once nothing else reads their plain bytes).
void pack_weights(deberta_model & m);

// weight [K, N] x rows [K, M] (contiguous rows) (+ bias [N]) (then GELU, erf form, when gelu_erf) -> [N, M] F32.
ggml_tensor * weight_product(ggml_context * ctx, const packed_weights & packed, ggml_tensor * weight, ggml_tensor * rows,
                             ggml_tensor * bias = nullptr, bool gelu_erf = false);

// ggml_mul_mat(a, b) of two F32 activations (a [K, N, H, S or 1], b [K, M, H, S], rows of K contiguous, any strides
// above) -> [N, M, H, S]: our F32 kernel at packed.own_ops_level, else ggml_mul_mat.
ggml_tensor * activation_product(ggml_context * ctx, const packed_weights & packed, ggml_tensor * a, ggml_tensor * b);

// GELU in the erf form: our kernel at packed.own_ops_level (x F32 and contiguous), else ggml_gelu_erf.
ggml_tensor * gelu_erf_node(ggml_context * ctx, const packed_weights & packed, ggml_tensor * x);

// The largest m, n, k and n_threads the self-tests (deberta_selftest_*) accept.
constexpr int32_t selftest_max_dim = 4096;
constexpr int32_t selftest_max_threads = 512;

// Self-test: out[m x n] = x[m x k] * w[n x k]^T (w in ggml type, rows of k) as one graph on the CPU backend, through
// our kernels up to own_kernels (throws UNSUPPORTED when w cannot be packed) or, with none, ggml's mul_mat. Arguments
// are checked by the C entry points.
void selftest_product(int32_t type, const void * w, size_t w_size, const float * x, float * out, int32_t m, int32_t n,
                      int32_t k, int32_t n_threads, kernels::isa_level own_kernels);

} // namespace deberta
