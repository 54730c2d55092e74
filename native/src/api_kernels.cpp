// The C API of our own weight-product kernels: how many weights of a model use them, and a self-test that runs
// one product through them or through ggml's mul_mat.
#include "deberta.h"
#include "errors.h"
#include "ggml_runtime.h"
#include "model.h"
#include "weight_products.h"

int64_t deberta_model_own_kernel_weights(const deberta_model * model) { return model ? (int64_t) model->packed.count() : -1; }

namespace deberta {

void selftest_product(int32_t type, const void * w, size_t w_size, const float * x, float * out, int32_t m, int32_t n,
                      int32_t k, int32_t n_threads, kernels::isa_level own_kernels) {
    // The weight gets its own buffer first: packing needs its bytes in place before the product is built.
    ggml_init_params params{ggml_tensor_overhead() * 8 + ggml_graph_overhead_custom(16, false), nullptr, true};
    ggml_context * ctx_w = ggml_init(params);
    ggml_context * ctx = ggml_init(params);
    ggml_backend_t backend = nullptr;
    ggml_backend_buffer_t buffer_w = nullptr, buffer = nullptr;
    auto cleanup = [&] {
        if (buffer) ggml_backend_buffer_free(buffer);
        if (buffer_w) ggml_backend_buffer_free(buffer_w);
        if (backend) ggml_backend_free(backend);
        if (ctx) ggml_free(ctx);
        if (ctx_w) ggml_free(ctx_w);
    };
    try {
        require(ctx_w && ctx, DEBERTA_STATUS_OUT_OF_MEMORY, "ggml_init failed");
        backend = ggml_backend_dev_init(runtime().cpu.device, nullptr);
        require(backend != nullptr, DEBERTA_STATUS_BACKEND_ERROR, "CPU backend init failed");
        runtime().cpu.set_n_threads(backend, n_threads);
        ggml_tensor * tw = ggml_new_tensor_2d(ctx_w, (ggml_type) type, k, n);
        buffer_w = ggml_backend_alloc_ctx_tensors(ctx_w, backend);
        require(buffer_w != nullptr, DEBERTA_STATUS_OUT_OF_MEMORY, "could not allocate the self-test weight");
        ggml_backend_tensor_set(tw, w, 0, w_size);
        packed_weights packed;
        if (own_kernels != kernels::isa_level::none) {
            require(packed.add(tw, own_kernels, true), DEBERTA_STATUS_UNSUPPORTED,
                    std::string("this processor has no kernel of ours for ") + deberta_type_name(type) + " weights of " +
                        std::to_string(k) + " x " + std::to_string(n));
            packed.pack_all(1);
        }

        ggml_tensor * tx = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, k, m);
        ggml_tensor * tout = weight_product(ctx, packed, tw, tx); // ne = [n, m]
        ggml_cgraph * graph = ggml_new_graph_custom(ctx, 16, false);
        ggml_build_forward_expand(graph, tout);
        buffer = ggml_backend_alloc_ctx_tensors(ctx, backend);
        require(buffer != nullptr, DEBERTA_STATUS_OUT_OF_MEMORY, "could not allocate self-test tensors");
        ggml_backend_tensor_set(tx, x, 0, sizeof(float) * size_t(m) * size_t(k));
        require(ggml_backend_graph_compute(backend, graph) == GGML_STATUS_SUCCESS, DEBERTA_STATUS_BACKEND_ERROR,
                "self-test graph failed");
        ggml_backend_tensor_get(tout, out, 0, sizeof(float) * size_t(m) * size_t(n));
    } catch (...) {
        cleanup();
        throw;
    }
    cleanup();
}

} // namespace deberta

deberta_status deberta_selftest_weight_product(int32_t type, const void * w, size_t w_size, const float * x, float * out,
                                               int32_t m, int32_t n, int32_t k, int32_t n_threads, int32_t own_kernels) {
    using namespace deberta;
    return guarded([&] {
        ensure_initialized();
        DEBERTA_CHECK_ARG(w && x && out, "w, x and out must not be NULL");
        DEBERTA_CHECK_ARG(type == DEBERTA_TYPE_F32 || type == DEBERTA_TYPE_F16 || type == DEBERTA_TYPE_BF16 ||
                              type == DEBERTA_TYPE_Q8_0,
                          "type must be F32, F16, BF16 or Q8_0");
        DEBERTA_CHECK_ARG(m > 0 && n > 0 && k > 0 && m <= selftest_max_dim && n <= selftest_max_dim && k <= selftest_max_dim,
                          "m, n and k must be in 1.." + std::to_string(selftest_max_dim));
        DEBERTA_CHECK_ARG(n_threads > 0 && n_threads <= selftest_max_threads,
                          "n_threads must be in 1.." + std::to_string(selftest_max_threads));
        DEBERTA_CHECK_ARG(own_kernels >= 0 && own_kernels <= 2, "own_kernels must be 0, 1 or 2");
        const size_t row_size = deberta_type_row_size(type, k);
        DEBERTA_CHECK_ARG(row_size > 0, "k must be a multiple of the type's block size");
        DEBERTA_CHECK_ARG(w_size == row_size * (size_t) n, "w_size must be n rows of the type");

        const kernels::isa_level caps[] = {kernels::isa_level::none, kernels::isa_level::avx512, kernels::isa_level::avx2};
        selftest_product(type, w, w_size, x, out, m, n, k, n_threads, caps[own_kernels]);
    });
}

