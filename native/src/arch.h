// arch.h: the DeBERTa-v2/v3 GGUF format in one table, as llama.cpp's arch tables: the architecture name, the
// metadata keys, the head names, the tensor types, and the two config rules the converter applies as well.
// The loader reads through it; the C# copies (GgufKeys, GgmlType, ModelHead, convert/DebertaHead, DebertaConfig's
// rules) are compared with it through the C API by tests/DebertaGgml.Tests/Foundation/ModelFormatTests.cs.
// Tensor names and shapes live in model.cpp's bind_weights; that every converted fixture binds exactly the
// tensors the converter wrote is checked by the same tests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

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

} // namespace deberta::arch
