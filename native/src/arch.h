// arch.h: the DeBERTa-v2/v3 GGUF format in one table, as llama.cpp's arch tables: the architecture name, the
// metadata keys, the head names, the tensor types, the tensor names with their shapes and the config that calls
// for them, and the two config rules the converter applies as well. The loader reads and binds through it; the C#
// copies (GgufKeys, GgmlType, ModelHead, convert/DebertaHead, DebertaConfig's rules, convert/TensorMap) are
// compared with it through the C API by tests/DebertaGgml.Tests/Foundation/ModelFormatTests.cs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace deberta {
struct hparams;
}

namespace deberta::arch {

// general.architecture, and the prefix of every architecture key.
constexpr const char * name = "deberta-v2";

// The metadata keys of the format (docs/gguf.md), without the "deberta-v2." prefix.
extern const char * const key_suffixes[];
extern const size_t key_count;

// "deberta-v2." + suffix; throws an internal error for a suffix not in key_suffixes, so the loader cannot read
// a key the table (and so the C# side) does not know.
std::string key(const char * suffix);

// The value of deberta-v2.head for a deberta_head; nullptr for an unknown head.
const char * head_name(int32_t head);
// The deberta_head of a deberta-v2.head value; -1 when unknown.
int32_t head_of(const std::string & name);

// Storage facts of the tensor types a model may use (ggml ids), without calling ggml.
struct tensor_type {
    int32_t type;         // ggml type id (= deberta_type)
    const char * name;
    int64_t block_size;   // elements per block
    uint64_t block_bytes; // bytes per block
    int32_t file_type;    // llama.cpp's general.file_type for a file mostly of this type
};
// nullptr when the type is not one we support.
const tensor_type * find_type(int32_t type);
extern const tensor_type types[];
extern const size_t type_count;

// HF: norm_rel_ebd lower-cased, split on '|', entries trimmed; LayerNorm on the relative embeddings when one of
// them is "layer_norm".
bool normalizes_relative_embeddings(const std::string & norm_rel_ebd);

// Half the rows of the relative embedding table: position_buckets when > 0, else max_relative_positions, which
// below 1 means max_position_embeddings.
int64_t attention_span(int64_t position_buckets, int64_t max_relative_positions, int64_t max_position_embeddings);

// ---- tensors ----

// Every tensor of the format; the model layer binds each to its weight (weight_binding.cpp).
enum class tensor {
    token_embd, position_embd, token_types, embd_proj, embd_norm_w, embd_norm_b,
    rel_embd, rel_norm_w, rel_norm_b,
    conv_w, conv_b, conv_norm_w, conv_norm_b,
    // per layer
    q_w, q_b, k_w, k_b, v_w, v_b, pos_k_w, pos_k_b, pos_q_w, pos_q_b, attn_out_w, attn_out_b, attn_norm_w, attn_norm_b,
    ffn_up_w, ffn_up_b, ffn_down_w, ffn_down_b, out_norm_w, out_norm_b,
    // heads
    pooler_w, pooler_b, cls_w, cls_b, mlm_dense_w, mlm_dense_b, mlm_norm_w, mlm_norm_b, mlm_out_w, mlm_out_b,
};

// The sizes a shape is written in (resolved from the hyperparameters by expected_tensors).
enum class dim {
    hidden, embedding, intermediate, vocab,
    positions,     // max_position_embeddings
    token_types,   // type_vocab_size
    relative_rows, // 2 * attention_span
    conv_kernel, labels,
    mlm_width,     // the masked-LM transform's width (embedding_size as converted)
};

// Which models hold a tensor.
enum class when {
    always, position_biased_input, token_types, embedding_projection, relative_attention,
    norm_rel_ebd,       // norm_rel_ebd has layer_norm (HF builds the LayerNorm with or without relative attention)
    conv,               // conv_kernel_size > 0
    separate_pos_key,   // relative attention, c2p, without share_att_key
    separate_pos_query, // relative attention, p2c, without share_att_key
    pooler,             // sequence classification, multiple choice
    classifier,         // the heads with a classifier (all but none and masked LM)
    masked_lm,
};

// Where a tensor belongs: the embeddings and encoder, each layer, or the head.
enum class scope { model, layer, head };

struct tensor_spec {
    tensor id;
    const char * name; // per layer: "%d" stands for the layer ("blk.%d.attn_q.weight")
    scope where;
    when present;
    bool optional;     // may be absent (mlm.output.weight: absent when the decoder is tied to token_embd)
    int n_dims;
    dim shape[3];      // ggml order, innermost first
};
extern const tensor_spec tensors[];
extern const size_t tensor_count;

const tensor_spec & spec(tensor id);
// The name of a tensor that is not per layer (throws for one that is).
const char * tensor_name(tensor id);

// One tensor a model with given hyperparameters holds.
struct expected_tensor {
    const tensor_spec * spec;
    int64_t layer; // -1 when not per layer
    std::string name;
    std::vector<int64_t> shape;
};
// The tensors of a model, in file order: embeddings, encoder, then each layer's, then the head's.
std::vector<expected_tensor> expected_tensors(const hparams & hp);

} // namespace deberta::arch
