// context.h: inference contexts: backends + scheduler, the cached graph of the last shape, eval.
#pragma once

#include "compute.h"
#include "graph.h"
#include "model.h"

#include <atomic>
#include <memory>
#include <vector>

struct deberta_context {
    const deberta_model * model = nullptr;
    int n_threads = 0;          // the most threads an evaluation uses; small ones use fewer (threads_for)
    int64_t graph_nodes = 0;    // nodes of the largest forward graph (views included): a proxy for its barriers
    int64_t max_seqs = 0;
    int64_t max_tokens = 0;
    std::unique_ptr<deberta::compute_backends> backends;
    std::atomic<bool> cancel_requested{false};

    // The graph of the last shape (sequence length rounded up to a bucket), rebuilt in the same metadata arena
    // when the shape changes. While graph_allocated, its tensors still hold their compute-buffer addresses, so a
    // repeated shape only uploads inputs and computes: no ggml_init, no re-plan, no allocation.
    std::vector<uint8_t> arena;
    ggml_context * ctx_graph = nullptr;
    ggml_cgraph * graph = nullptr;
    deberta::graph_shape shape;
    deberta::graph_io io;
    bool graph_allocated = false;

    // How often eval had to build a graph, re-plan the compute buffers, and allocate a graph in them
    // (read by tests through deberta_testing_context_counters).
    struct counters {
        int64_t graph_builds = 0;
        int64_t graph_plans = 0;
        int64_t graph_allocs = 0;
    } counters;

    // Relative-position rows, computed once per sequence length.
    int64_t rel_tokens = -1;
    std::vector<int32_t> rel_c2p, rel_p2c;

    // Host staging for inputs and head outputs, grown once and reused.
    std::vector<int32_t> ids, type_ids, positions;
    std::vector<float> token_mask, kq_mask, head_out;

    deberta_context() = default;
    deberta_context(const deberta_context &) = delete;
    deberta_context & operator=(const deberta_context &) = delete;
    ~deberta_context();
};

namespace deberta {

// deberta_context_params: the largest n_threads and max_batch accepted, and the defaults.
constexpr int max_threads = 1024;
constexpr int64_t max_batch = 65536;
constexpr int32_t default_max_batch = 8;
constexpr int32_t default_max_tokens = 512;

// Sequence lengths are padded (mask 0) up to a multiple of this, so that varied lengths share a few graphs.
constexpr int64_t token_bucket = 8;
int64_t bucketed_tokens(int64_t n_tokens, int64_t max_tokens);

std::unique_ptr<deberta_context> create_context(const deberta_model & model, const deberta_context_params & params);
void eval(deberta_context & ctx, const deberta_batch & batch, deberta_outputs & outputs);
// CPU threads an evaluation of S sequences of T tokens runs on.
int threads_for(const deberta_context & ctx, int64_t S, int64_t T);

} // namespace deberta
