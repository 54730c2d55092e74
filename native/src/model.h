// model.h: DeBERTa-v2/v3 hyperparameters and weights, read from a GGUF written by the converter
// (names and shapes: docs/gguf.md).
#pragma once

#include "ggml_decls.h"
#include "gguf_file.h"
#include "weight_products.h"

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace deberta {

enum class activation { gelu_erf, gelu_tanh, relu, tanh, sigmoid, silu, identity };

// HF's ACT2FN names we can run; throws gguf_error for others.
activation parse_activation(const std::string & name, const std::string & key, const std::string & path);

struct hparams {
    int32_t head = 0; // deberta_head
    int64_t vocab_size = 0;
    int64_t hidden_size = 0;
    int64_t embedding_size = 0;
    int64_t n_layers = 0;
    int64_t n_heads = 0;
    int64_t head_dim = 0;
    int64_t intermediate_size = 0;
    int64_t max_position_embeddings = 0;
    int64_t type_vocab_size = 0;
    float layer_norm_eps = 1e-7f;
    activation hidden_act = activation::gelu_erf;

    bool position_biased_input = false;
    bool relative_attention = false;
    bool c2p = false;
    bool p2c = false;
    bool share_att_key = false;
    bool norm_rel_ebd = false;
    int64_t position_buckets = -1;       // <= 0: plain clamping
    int64_t max_relative_positions = 0;  // resolved: the config's value, or max_position_embeddings when < 1
    int64_t att_span = 0;                // position_buckets when > 0, else max_relative_positions

    int64_t conv_kernel_size = 0;
    activation conv_act = activation::tanh;

    activation pooler_act = activation::gelu_erf;
    int64_t num_labels = 0;
    std::vector<std::string> labels;

    // Masked LM: width of the transform, which the decoder consumes (embedding_size for the legacy head).
    int64_t mlm_width = 0;

    int64_t max_sequence_length = 0;

    // The attention scale denominator sqrt(head_dim * (1 + number of position terms)), in float32 as HF.
    float attention_scale() const;
};

// Longest sequence accepted when no absolute position embedding bounds it: relative positions beyond
// the buckets all share the last bucket, so only memory (T^2 per head) limits the length.
constexpr int64_t relative_only_max_sequence_length = 8192;

// HF's ConvLayer groups; only the dense convolution is implemented (others are rejected at load and convert).
constexpr int64_t supported_conv_groups = 1;

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

// Floats of output (deberta_output) for S sequences (B*C) of T tokens; 0 when the model has no such output.
size_t output_floats(const hparams & hp, int32_t output, int64_t S, int64_t T);

// Reads the hyperparameters (throws gguf_error with the key at fault).
hparams read_hparams(const gguf_file & file);

// Loads and validates everything; the result owns its buffers. device: deberta_device.
std::unique_ptr<deberta_model> load_model(const std::string & path, int32_t device, bool use_mmap);

// Computes the position-projection rows [first, end) that are not computed yet (relative attention models; a no-op
// for others). Thread-safe: models are shared by contexts.
void ensure_position_rows(const deberta_model & model, int64_t first, int64_t end);

// Creates the backend for dev (CPU threads are set by the caller).
ggml_backend_t init_backend(ggml_backend_dev_t dev);

} // namespace deberta
