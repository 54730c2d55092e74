// model.h: a loaded DeBERTa-v2/v3 model: its hyperparameters (hparams.h), its weights, bound by weight_binding.h
// from arch.h's table and placed by weight_placement.h, and the position projections computed on demand.
#pragma once

#include "ggml_decls.h"
#include "hparams.h"
#include "weight_products.h"

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace deberta {

struct layer_weights {
    ggml_tensor * q_w = nullptr, * q_b = nullptr;
    ggml_tensor * k_w = nullptr, * k_b = nullptr;
    ggml_tensor * v_w = nullptr, * v_b = nullptr;
    ggml_tensor * pos_k_w = nullptr, * pos_k_b = nullptr; // share_att_key: aliases of k_w/k_b
    ggml_tensor * pos_q_w = nullptr, * pos_q_b = nullptr; // share_att_key: aliases of q_w/q_b
    ggml_tensor * attn_out_w = nullptr, * attn_out_b = nullptr;
    ggml_tensor * attn_norm_w = nullptr, * attn_norm_b = nullptr;
    ggml_tensor * ffn_up_w = nullptr, * ffn_up_b = nullptr;
    ggml_tensor * ffn_down_w = nullptr, * ffn_down_b = nullptr;
    ggml_tensor * out_norm_w = nullptr, * out_norm_b = nullptr;

    // Input-independent position projections of the (normalized) relative embeddings, [H, 2*span] F32, computed
    // row range by row range as evaluations first need them (ensure_position_rows). Unscaled: the softmax scales.
    ggml_tensor * pos_key = nullptr;   // c2p
    ggml_tensor * pos_query = nullptr; // p2c
};

struct model_weights {
    ggml_tensor * tok_embd = nullptr, * pos_embd = nullptr, * type_embd = nullptr, * embd_proj = nullptr;
    ggml_tensor * embd_norm_w = nullptr, * embd_norm_b = nullptr;
    ggml_tensor * rel_embd = nullptr, * rel_norm_w = nullptr, * rel_norm_b = nullptr;
    ggml_tensor * conv_w = nullptr, * conv_b = nullptr, * conv_norm_w = nullptr, * conv_norm_b = nullptr;
    std::vector<layer_weights> layers;
    ggml_tensor * pooler_w = nullptr, * pooler_b = nullptr;
    ggml_tensor * cls_w = nullptr, * cls_b = nullptr;
    ggml_tensor * mlm_dense_w = nullptr, * mlm_dense_b = nullptr;
    ggml_tensor * mlm_norm_w = nullptr, * mlm_norm_b = nullptr;
    ggml_tensor * mlm_out_w = nullptr; // the word embeddings when the decoder is tied
    ggml_tensor * mlm_out_b = nullptr;
};

class mapped_file;

} // namespace deberta

// The opaque handle of the C API.
struct deberta_model {
    deberta::hparams hp;
    deberta::model_weights w;
    std::string path;
    std::string name;
    deberta::gguf_metadata metadata; // the file's key-value pairs (deberta_model_meta_*, api_metadata.cpp)

    ggml_backend_dev_t device = nullptr;
    std::string device_name;
    std::string device_reason; // why this device (deberta_model_device_reason)

    ggml_context * ctx_weights = nullptr;
    std::vector<ggml_backend_buffer_t> buffers;
    std::unique_ptr<deberta::mapped_file> mapping;
    ggml_backend_buffer_t mapping_buffer = nullptr; // the tensors placed in the mapping (one of buffers)

    ggml_context * ctx_positions = nullptr;
    // Rows [positions_begin, positions_end) of every pos_key/pos_query hold their values; the range only grows,
    // under positions_mutex, so evaluations reading rows inside it never race with one extending it.
    mutable std::mutex positions_mutex;
    mutable int64_t positions_begin = 0, positions_end = 0;

    deberta::packed_weights packed; // weights on our own kernels (weight_products.h)

    size_t weights_size() const;

    deberta_model() = default;
    deberta_model(const deberta_model &) = delete;
    deberta_model & operator=(const deberta_model &) = delete;
    ~deberta_model();
};

namespace deberta {

// Loads and validates everything; the result owns its buffers. device: deberta_device.
std::unique_ptr<deberta_model> load_model(const std::string & path, int32_t device, bool use_mmap);

// Computes the position-projection rows [first, end) that are not computed yet (relative attention models; a no-op
// for others). Thread-safe: models are shared by contexts.
void ensure_position_rows(const deberta_model & model, int64_t first, int64_t end);

// Creates the backend for dev (CPU threads are set by the caller).
ggml_backend_t init_backend(ggml_backend_dev_t dev);

} // namespace deberta
