// hparams.h: the hyperparameters of a DeBERTa-v2/v3 GGUF (docs/gguf.md), with the limits they are read within.
#pragma once

#include "gguf_file.h"

#include <cstddef>
#include <cstdint>
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

// The ranges read_hparams accepts: far beyond any published checkpoint, and small enough that the sizes computed
// from them (rows x widths, T^2 per head) cannot overflow.
constexpr int64_t max_width = 1 << 16;              // hidden, embedding and pooler sizes
constexpr int64_t max_layers = 1024;
constexpr int64_t max_intermediate_size = 1 << 20;
constexpr int64_t max_positions = 1 << 20;          // context_length, max_relative_positions, the attention span
constexpr int64_t max_token_types = 1 << 16;
constexpr int64_t max_conv_kernel_size = 64;
constexpr int64_t int32_values = int64_t(1) << 31;  // token ids are int32: the vocabulary, and position_buckets' range

// Longest sequence accepted when no absolute position embedding bounds it: relative positions beyond
// the buckets all share the last bucket, so only memory (T^2 per head) limits the length.
constexpr int64_t relative_only_max_sequence_length = 8192;

// HF's ConvLayer groups; only the dense convolution is implemented (others are rejected at load and convert).
constexpr int64_t supported_conv_groups = 1;

// Floats of output (deberta_output) for S sequences (B*C) of T tokens; 0 when the model has no such output.
size_t output_floats(const hparams & hp, int32_t output, int64_t S, int64_t T);

// Reads the hyperparameters (throws gguf_error with the key at fault).
hparams read_hparams(const gguf_file & file);

} // namespace deberta
