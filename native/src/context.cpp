#include "context.h"

#include "compute.h"
#include "device_choice.h"
#include "errors.h"
#include "ggml_runtime.h"
#include "platform.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace deberta {

namespace {

// Added to the scores of padding keys. Finite, so that a sequence without any real token gives a uniform
// softmax (as HF's finfo.min fill does) instead of NaN.
constexpr float masked_score = -1e30f;

constexpr double bytes_per_gib = 1 << 30;

bool cpu_abort_requested(void * data) {
    return static_cast<std::atomic<bool> *>(data)->load(std::memory_order_relaxed);
}

void build_cached_graph(deberta_context & c, const graph_shape & shape) {
    if (c.ctx_graph) ggml_free(c.ctx_graph);
    c.ctx_graph = nullptr;
    c.graph = nullptr;
    ggml_init_params params{c.arena.size(), c.arena.data(), true};
    c.ctx_graph = ggml_init(params);
    require(c.ctx_graph != nullptr, DEBERTA_STATUS_OUT_OF_MEMORY, "ggml_init failed");
    c.graph = ggml_new_graph_custom(c.ctx_graph, graph_size(c.model->hp), false);
    c.io = build_graph(c.ctx_graph, c.graph, *c.model, shape);
    c.shape = shape;
    c.graph_allocated = false;
    ++c.counters.graph_builds;
}

// Re-plans the compute buffers for the cached graph. Required after every rebuild: ggml_gallocr_alloc_graph
// reuses the previous plan whenever node count, leaf count and per-node sizes fit, and never compares the
// leaves themselves or the output flags. A graph of the same counts whose leaves come in another order
// (all_hidden expands the embeddings first) would give an input leaf the plan slot of a weight
// (buffer_id -1) and crash in ggml_gallocr_alloc_graph; a plan made without an output flag would let later
// nodes overwrite that output.
void plan_cached_graph(deberta_context & c) {
    // ---- device placement: with a GPU in the scheduler, splitting a graph points the sources of its nodes at the
    // scheduler's copies of tensors from the other backend, and the next split frees those copies: a graph that was
    // measured or reserved must be built afresh before it is allocated (on the CPU alone nothing is copied).
    // The GPU's free memory is checked against the measured compute buffers before the scheduler allocates them.
    const bool gpu = ggml_backend_dev_type(c.model->device) != GGML_BACKEND_DEVICE_TYPE_CPU;
    if (gpu) {
        require_device_memory(c.model->device, c.backends->measure(c.graph)[0],
                              "compute buffers for " + std::to_string(c.shape.n_seqs) + " sequences of " +
                                  std::to_string(c.shape.n_tokens) + " tokens");
        build_cached_graph(c, c.shape);
    }
    require(ggml_backend_sched_reserve(c.backends->sched(), c.graph), DEBERTA_STATUS_OUT_OF_MEMORY,
            "cannot reserve compute buffers for " + std::to_string(c.shape.n_seqs) + " sequences of " +
            std::to_string(c.shape.n_tokens) + " tokens");
    if (gpu) build_cached_graph(c, c.shape);
    // ---- end of device placement ----
    ++c.counters.graph_plans;
}

// Copies rows [n_seqs, n_tokens, width] out of a graph tensor [width, padded_tokens, n_seqs].
void get_unpadded(ggml_tensor * t, float * dst, int64_t n_seqs, int64_t n_tokens, int64_t padded_tokens, int64_t width) {
    const size_t row = (size_t) (n_tokens * width) * sizeof(float);
    if (n_tokens == padded_tokens) {
        ggml_backend_tensor_get(t, dst, 0, row * (size_t) n_seqs);
        return;
    }
    for (int64_t s = 0; s < n_seqs; ++s) {
        ggml_backend_tensor_get(t, dst + s * n_tokens * width, (size_t) (s * padded_tokens * width) * sizeof(float), row);
    }
}

void update_relative_rows(deberta_context & c, int64_t T) {
    if (c.rel_tokens == T) return;
    const hparams & hp = c.model->hp;
    const int64_t W = relative_rows(T);
    c.rel_c2p.resize(W);
    c.rel_p2c.resize(W);
    int32_t lowest = INT32_MAX, highest = INT32_MIN;
    for (int64_t j = 0; j < W; ++j) {
        c.rel_c2p[j] = relative_embedding_row(hp, T - 1 - j);
        c.rel_p2c[j] = relative_embedding_row(hp, j - (T - 1));
        lowest = std::min({lowest, c.rel_c2p[j], c.rel_p2c[j]});
        highest = std::max({highest, c.rel_c2p[j], c.rel_p2c[j]});
    }
    ensure_position_rows(*c.model, lowest, (int64_t) highest + 1);
    c.rel_tokens = T;
}

size_t checked_size(size_t given, size_t needed, const char * name) {
    if (given < needed) {
        fail(DEBERTA_STATUS_INVALID_ARGUMENT, std::string("outputs.") + name + " holds " + std::to_string(given) +
             " floats, " + std::to_string(needed) + " needed");
    }
    return needed;
}

// A deliberately generous bound on the compute buffers of one evaluation of S sequences of T tokens: the
// attention terms ([T, T] scores, [2T, T] c2p and p2c, probabilities) per head, plus the widest activations,
// a few times over for what the allocator keeps alive at once.
double compute_bytes_bound(const hparams & hp, int64_t S, int64_t T) {
    const double attention = 4.0 * (double) S * (double) hp.n_heads * (double) T * (double) (2 * T);
    const double activations = 8.0 * (double) S * (double) T * (double) (hp.hidden_size + hp.intermediate_size);
    return sizeof(float) * (attention + activations);
}

// Multiply-adds x 2 of one evaluation of S sequences of T tokens: the encoder's projections and FFN, its attention
// products (QK^T, probabilities x V, and c2p/p2c against 2T position rows), and the masked-LM decoder, the one head
// whose cost can rival the encoder's.
double eval_flops(const hparams & hp, int64_t S, int64_t T) {
    const double tokens = (double) S * T, H = (double) hp.hidden_size, I = (double) hp.intermediate_size;
    const double position_terms = hp.relative_attention ? (hp.c2p ? 1 : 0) + (hp.p2c ? 1 : 0) : 0;
    const double dense = tokens * (4 * H * H + 2 * H * I);
    const double attention = tokens * T * H * (2 + 2 * position_terms);
    double head = 0;
    if (hp.head == DEBERTA_HEAD_MASKED_LM) head = tokens * hp.mlm_width * ((double) hp.mlm_width + (double) hp.vocab_size);
    return 2 * ((double) hp.n_layers * (dense + attention) + head);
}

} // namespace

int threads_for(const deberta_context & c, int64_t S, int64_t T) {
    return threads_for_work(eval_flops(c.model->hp, S, T), (size_t) c.graph_nodes, c.n_threads);
}

std::unique_ptr<deberta_context> create_context(const deberta_model & model, const deberta_context_params & params) {
    const hparams & hp = model.hp;
    DEBERTA_CHECK_ARG(params.n_threads <= max_threads, "n_threads must be at most " + std::to_string(max_threads));
    DEBERTA_CHECK_ARG(params.max_batch > 0 && params.max_batch <= max_batch,
                      "max_batch must be in 1.." + std::to_string(max_batch));
    DEBERTA_CHECK_ARG(params.max_tokens > 0, "max_tokens must be positive");
    auto c = std::make_unique<deberta_context>();
    c->model = &model;
    c->n_threads = params.n_threads > 0 ? params.n_threads : physical_core_count();
    c->max_seqs = params.max_batch;
    c->max_tokens = std::min<int64_t>(params.max_tokens, hp.max_sequence_length);
    // Refuse what cannot fit before ggml tries to allocate it.
    const double needed = compute_bytes_bound(hp, c->max_seqs, c->max_tokens), available = physical_memory_bytes();
    if (available > 0 && needed > available) {
        fail(DEBERTA_STATUS_OUT_OF_MEMORY, std::to_string(c->max_seqs) + " sequences of " + std::to_string(c->max_tokens) +
             " tokens need about " + std::to_string((long long) (needed / bytes_per_gib)) + " GiB of compute buffers; this machine has " +
             std::to_string((long long) (available / bytes_per_gib)) + " GiB: lower max_batch or max_tokens");
    }
    const size_t nodes = graph_size(hp);
    c->arena.resize(ggml_tensor_overhead() * nodes + ggml_graph_overhead_custom(nodes, false));
    c->backends = std::make_unique<compute_backends>(model.device, c->n_threads, nodes);
    runtime().cpu.set_abort_callback(c->backends->cpu(), cpu_abort_requested, &c->cancel_requested);

    // Size the compute buffers once for the largest shape, so evaluations never grow them.
    graph_shape largest{c->max_seqs, c->max_tokens, true, true};
    build_cached_graph(*c, largest);
    plan_cached_graph(*c);
    c->graph_nodes = ggml_graph_n_nodes(c->graph);
    return c;
}

namespace {

// One evaluation's shape: S sequences (B*C) of T tokens, run as a graph of Tp >= T tokens.
struct eval_shape {
    int64_t S = 0, T = 0, Tp = 0;
    bool qa = false;        // start/end logits instead of logits
    bool want_head = false; // the caller asked for the head's output
};

// Checks the batch against the model and the context, and the output buffers against the sizes they need, before
// anything is computed.
eval_shape validate(const deberta_context & c, const deberta_batch & batch, const deberta_outputs & out) {
    const hparams & hp = c.model->hp;
    DEBERTA_CHECK_ARG(batch.input_ids && batch.attention_mask, "batch.input_ids and batch.attention_mask are required");
    DEBERTA_CHECK_ARG(batch.n_batch > 0 && batch.n_tokens > 0 && batch.n_choices > 0,
                      "n_batch, n_choices and n_tokens must be positive");
    DEBERTA_CHECK_ARG(batch.n_choices == 1 || hp.head == DEBERTA_HEAD_MULTIPLE_CHOICE,
                      "n_choices must be 1 unless the model is a multiple-choice model");
    const int64_t B = batch.n_batch, C = batch.n_choices, T = batch.n_tokens, S = B * C;
    if (T > hp.max_sequence_length) {
        fail(DEBERTA_STATUS_INVALID_ARGUMENT, "sequence of " + std::to_string(T) + " tokens exceeds the model's limit of " +
             std::to_string(hp.max_sequence_length) + (hp.position_biased_input ? " (max_position_embeddings)" : ""));
    }
    DEBERTA_CHECK_ARG(T <= c.max_tokens, "sequence of " + std::to_string(T) + " tokens exceeds the context's max_tokens " +
                      std::to_string(c.max_tokens));
    DEBERTA_CHECK_ARG(S <= c.max_seqs, std::to_string(S) + " sequences exceed the context's max_batch " +
                      std::to_string(c.max_seqs));

    const size_t n = (size_t) (S * T);
    for (size_t i = 0; i < n; ++i) {
        const int32_t id = batch.input_ids[i], mask = batch.attention_mask[i];
        if (id < 0 || id >= hp.vocab_size) {
            fail(DEBERTA_STATUS_INVALID_ARGUMENT, "input_ids[" + std::to_string(i) + "] = " + std::to_string(id) +
                 " is outside the vocabulary (0.." + std::to_string(hp.vocab_size - 1) + ")");
        }
        DEBERTA_CHECK_ARG(mask == 0 || mask == 1, "attention_mask[" + std::to_string(i) + "] must be 0 or 1");
        if (batch.token_type_ids && hp.type_vocab_size > 0) {
            const int32_t t = batch.token_type_ids[i];
            if (t < 0 || t >= hp.type_vocab_size) {
                fail(DEBERTA_STATUS_INVALID_ARGUMENT, "token_type_ids[" + std::to_string(i) + "] = " + std::to_string(t) +
                     " is outside 0.." + std::to_string(hp.type_vocab_size - 1));
            }
        }
    }

    eval_shape e;
    e.S = S;
    e.T = T;
    // The graph runs on Tp >= T tokens; the extra positions are padding (id 0, mask 0), which real tokens never
    // attend to, so their outputs do not change.
    e.Tp = bucketed_tokens(T, c.max_tokens);
    e.qa = hp.head == DEBERTA_HEAD_QUESTION_ANSWERING;
    e.want_head = e.qa ? (out.start_logits || out.end_logits) : out.logits != nullptr;
    const struct { const float * buffer; size_t size; deberta_output output; const char * name; } requested[] = {
        {out.last_hidden_state, out.last_hidden_state_size, DEBERTA_OUTPUT_LAST_HIDDEN_STATE, "last_hidden_state"},
        {out.hidden_states, out.hidden_states_size, DEBERTA_OUTPUT_HIDDEN_STATES, "hidden_states"},
        {out.logits, out.logits_size, DEBERTA_OUTPUT_LOGITS, "logits"},
        {out.start_logits, out.start_logits_size, DEBERTA_OUTPUT_START_LOGITS, "start_logits"},
        {out.end_logits, out.end_logits_size, DEBERTA_OUTPUT_END_LOGITS, "end_logits"},
    };
    for (const auto & r : requested) {
        if (!r.buffer) continue;
        const size_t needed = output_floats(hp, r.output, S, T);
        if (needed == 0) fail(DEBERTA_STATUS_INVALID_ARGUMENT, "the requested logits do not exist for this model's head");
        checked_size(r.size, needed, r.name);
    }
    return e;
}

// Makes the cached graph the one of shape, allocated in the compute buffers: a repeated shape does neither.
void ensure_graph(deberta_context & c, const graph_shape & shape) {
    if (!(shape == c.shape)) {
        build_cached_graph(c, shape);
        plan_cached_graph(c);
    }
    if (!c.graph_allocated) {
        ggml_backend_sched_t sched = c.backends->sched();
        ggml_backend_sched_reset(sched);
        require(ggml_backend_sched_alloc_graph(sched, c.graph), DEBERTA_STATUS_OUT_OF_MEMORY, "cannot allocate the graph");
        log_graph_placement(sched, c.graph, c.model->device);
        c.graph_allocated = true;
        ++c.counters.graph_allocs;
    }
}

// Uploads the inputs, staged at [S, Tp] (the vectors only grow, so a repeated shape does not allocate).
void set_inputs(deberta_context & c, const deberta_batch & batch, const eval_shape & e) {
    const int64_t S = e.S, T = e.T, Tp = e.Tp;
    const size_t np = (size_t) (S * Tp);
    const auto stage = [&](std::vector<int32_t> & dst, const int32_t * src) {
        dst.assign(np, 0);
        if (src) {
            for (int64_t s = 0; s < S; ++s) std::memcpy(dst.data() + s * Tp, src + s * T, T * sizeof(int32_t));
        }
    };
    stage(c.ids, batch.input_ids);
    ggml_backend_tensor_set(c.io.ids, c.ids.data(), 0, np * sizeof(int32_t));
    if (c.io.type_ids) {
        stage(c.type_ids, batch.token_type_ids);
        ggml_backend_tensor_set(c.io.type_ids, c.type_ids.data(), 0, np * sizeof(int32_t));
    }
    if (c.io.positions) {
        c.positions.resize(Tp);
        for (int64_t t = 0; t < Tp; ++t) c.positions[t] = (int32_t) t;
        ggml_backend_tensor_set(c.io.positions, c.positions.data(), 0, Tp * sizeof(int32_t));
    }
    c.token_mask.assign(np, 0.0f);
    for (int64_t s = 0; s < S; ++s) {
        for (int64_t t = 0; t < T; ++t) c.token_mask[s * Tp + t] = (float) batch.attention_mask[s * T + t];
    }
    ggml_backend_tensor_set(c.io.token_mask, c.token_mask.data(), 0, np * sizeof(float));
    // kq_mask [T_k, T_q, 1, S]: the same key mask for every query row.
    c.kq_mask.resize(np * (size_t) Tp);
    for (int64_t s = 0; s < S; ++s) {
        const float * mask = c.token_mask.data() + s * Tp;
        float * rows = c.kq_mask.data() + (size_t) (s * Tp * Tp);
        for (int64_t k = 0; k < Tp; ++k) rows[k] = mask[k] != 0.0f ? 0.0f : masked_score;
        for (int64_t q = 1; q < Tp; ++q) std::memcpy(rows + q * Tp, rows, Tp * sizeof(float));
    }
    ggml_backend_tensor_set(c.io.kq_mask, c.kq_mask.data(), 0, c.kq_mask.size() * sizeof(float));
    if (c.io.rel_c2p || c.io.rel_p2c) {
        update_relative_rows(c, Tp);
        if (c.io.rel_c2p) ggml_backend_tensor_set(c.io.rel_c2p, c.rel_c2p.data(), 0, c.rel_c2p.size() * sizeof(int32_t));
        if (c.io.rel_p2c) ggml_backend_tensor_set(c.io.rel_p2c, c.rel_p2c.data(), 0, c.rel_p2c.size() * sizeof(int32_t));
    }
}

void compute(deberta_context & c, const eval_shape & e) {
    runtime().cpu.set_n_threads(c.backends->cpu(), threads_for(c, e.S, e.Tp));
    const ggml_status status = ggml_backend_sched_graph_compute(c.backends->sched(), c.graph);
    if (status != GGML_STATUS_SUCCESS) c.graph_allocated = false; // allocate afresh rather than trust a failed run
    if (status == GGML_STATUS_ABORTED) fail(DEBERTA_STATUS_CANCELLED, "evaluation cancelled");
    require(status == GGML_STATUS_SUCCESS, DEBERTA_STATUS_BACKEND_ERROR,
            "graph computation failed (ggml status " + std::to_string((int) status) + ")");
}

// Copies the requested outputs, without the padding positions.
void extract_outputs(deberta_context & c, deberta_outputs & out, const eval_shape & e) {
    const hparams & hp = c.model->hp;
    const int64_t S = e.S, T = e.T, Tp = e.Tp, H = hp.hidden_size;
    const size_t n = (size_t) (S * T);
    if (out.last_hidden_state) get_unpadded(c.io.hidden.back(), out.last_hidden_state, S, T, Tp, H);
    if (out.hidden_states) {
        for (size_t l = 0; l < c.io.hidden.size(); ++l) {
            get_unpadded(c.io.hidden[l], out.hidden_states + l * n * (size_t) H, S, T, Tp, H);
        }
    }
    if (!e.want_head) return;
    if (e.qa) {
        c.head_out.resize(2 * n);
        get_unpadded(c.io.logits, c.head_out.data(), S, T, Tp, 2);
        for (size_t i = 0; i < n; ++i) {
            if (out.start_logits) out.start_logits[i] = c.head_out[2 * i];
            if (out.end_logits) out.end_logits[i] = c.head_out[2 * i + 1];
        }
        return;
    }
    switch (hp.head) {
        case DEBERTA_HEAD_TOKEN_CLASSIFICATION: get_unpadded(c.io.logits, out.logits, S, T, Tp, hp.num_labels); break;
        case DEBERTA_HEAD_MASKED_LM: get_unpadded(c.io.logits, out.logits, S, T, Tp, hp.vocab_size); break;
        default:
            ggml_backend_tensor_get(c.io.logits, out.logits, 0, output_floats(hp, DEBERTA_OUTPUT_LOGITS, S, T) * sizeof(float));
            break;
    }
}

} // namespace

void eval(deberta_context & c, const deberta_batch & batch, deberta_outputs & out) {
    c.cancel_requested.store(false);
    const eval_shape e = validate(c, batch, out);
    ensure_graph(c, graph_shape{e.S, e.Tp, out.hidden_states != nullptr, e.want_head});
    set_inputs(c, batch, e);
    compute(c, e);
    extract_outputs(c, out, e);
}

int64_t bucketed_tokens(int64_t n_tokens, int64_t max_tokens) {
    const int64_t rounded = (n_tokens + token_bucket - 1) / token_bucket * token_bucket;
    return std::max(n_tokens, std::min(rounded, max_tokens));
}

} // namespace deberta

// Test-only (not in deberta.h): the counters of deberta_context::counters, so tests can check that repeated
// shapes neither rebuild, re-plan nor re-allocate the graph.
extern "C" DEBERTA_API deberta_status deberta_testing_context_counters(const deberta_context * context, int64_t * graph_builds,
                                                                       int64_t * graph_plans, int64_t * graph_allocs) {
    if (!context || !graph_builds || !graph_plans || !graph_allocs) return DEBERTA_STATUS_INVALID_ARGUMENT;
    *graph_builds = context->counters.graph_builds;
    *graph_plans = context->counters.graph_plans;
    *graph_allocs = context->counters.graph_allocs;
    return DEBERTA_STATUS_OK;
}

deberta_context::~deberta_context() {
    if (ctx_graph) ggml_free(ctx_graph);
}
