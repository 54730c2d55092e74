// graph.h: the DeBERTa-v2/v3 forward pass as a ggml graph, one builder per HF module.
#pragma once

#include "model.h"

#include <cstdint>
#include <vector>

namespace deberta {

// What one evaluation computes; graphs are cached per shape.
struct graph_shape {
    int64_t n_seqs = 0;    // sequences the encoder sees (B*C for multiple choice)
    int64_t n_tokens = 0;  // T
    bool all_hidden = false;
    bool head = false;     // compute the head's logits
    bool operator==(const graph_shape & o) const {
        return n_seqs == o.n_seqs && n_tokens == o.n_tokens && all_hidden == o.all_hidden && head == o.head;
    }
};

struct graph_io {
    // Inputs (host-filled each call).
    ggml_tensor * ids = nullptr;        // I32 [T*S]
    ggml_tensor * type_ids = nullptr;   // I32 [T*S] (type_vocab_size > 0)
    ggml_tensor * positions = nullptr;  // I32 [T] (position_biased_input)
    ggml_tensor * token_mask = nullptr; // F32 [1, T, S]: 1 at real tokens, 0 at padding
    ggml_tensor * kq_mask = nullptr;    // F32 [T, T, 1, S]: 0 for real keys, a large negative number for padding keys
    ggml_tensor * rel_c2p = nullptr;    // I32 [W]: relative-embedding row for distance T-1-j
    ggml_tensor * rel_p2c = nullptr;    // I32 [W]: relative-embedding row for distance j-(T-1)
    // Outputs.
    std::vector<ggml_tensor *> hidden;  // all_hidden: L+1 tensors [H, T, S]; else the last only
    ggml_tensor * logits = nullptr;     // head output, see build_head
};

// Builds the forward graph into gf; ctx must be a no_alloc context with room for the graph's tensors.
graph_io build_graph(ggml_context * ctx, ggml_cgraph * gf, const deberta_model & model, const graph_shape & shape);

// Nodes a forward graph of this model needs at most.
size_t graph_size(const hparams & hp);

// The graph that fills rows [first, first + count) of every layer's pos_key/pos_query from the relative embeddings.
// Input: rows, I32 [count] = first, first + 1, ..., returned in *rows.
void build_position_graph(ggml_context * ctx, ggml_cgraph * gf, const deberta_model & model, int64_t first, int64_t count,
                          ggml_tensor ** rows);

// HF's log-bucketed relative position (make_log_bucket_position), in float32 as HF computes it.
int64_t log_bucket_position(int64_t relative, int64_t bucket_size, int64_t max_position);

// Row of the relative-embedding table used for a query-key distance d = q - k
// (clamp(bucket(d) + span, 0, 2*span - 1)); shared by c2p and p2c.
int32_t relative_embedding_row(const hparams & hp, int64_t distance);

// Rows gathered for the position products of T tokens: the 2T-1 distances plus one never read, because ggml's F32
// GEMM (tinyBLAS) takes only a multiple of 4 rows and otherwise falls back to a dot-product loop.
inline int64_t relative_rows(int64_t T) { return 2 * T; }

} // namespace deberta
