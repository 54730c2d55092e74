#include "model.h"

#include "compute.h"
#include "deberta.h"
#include "device_choice.h"
#include "errors.h"
#include "graph.h"
#include "platform.h"
#include "weight_binding.h"
#include "weight_placement.h"

#include <algorithm>

namespace deberta {

namespace {

// pos_key/pos_query of every layer: the projections of the (normalized) relative embeddings do not depend on the
// input, so they are computed once, not in every evaluation. Loading only allocates them: evaluations compute the
// rows their lengths use (ensure_position_rows), so a load does no arithmetic and short inputs never pay for the
// rows of long ones (docs/BENCHMARKS.md, finding 18).
void allocate_position_projections(deberta_model & m) {
    const hparams & hp = m.hp;
    if (!hp.relative_attention || (!hp.c2p && !hp.p2c)) return;
    ggml_init_params params{ggml_tensor_overhead() * (2 * (size_t) hp.n_layers + 2), nullptr, true};
    m.ctx_positions = ggml_init(params);
    require(m.ctx_positions != nullptr, DEBERTA_STATUS_OUT_OF_MEMORY, "ggml_init failed");
    for (int64_t il = 0; il < hp.n_layers; ++il) {
        layer_weights & l = m.w.layers[il];
        if (hp.c2p) {
            l.pos_key = ggml_new_tensor_2d(m.ctx_positions, GGML_TYPE_F32, hp.hidden_size, 2 * hp.att_span);
            ggml_format_name(l.pos_key, "pos_key-%d", (int) il);
        }
        if (hp.p2c) {
            l.pos_query = ggml_new_tensor_2d(m.ctx_positions, GGML_TYPE_F32, hp.hidden_size, 2 * hp.att_span);
            ggml_format_name(l.pos_query, "pos_query-%d", (int) il);
        }
    }
    ggml_backend_buffer_t buffer = ggml_backend_alloc_ctx_tensors_from_buft(m.ctx_positions, ggml_backend_dev_buffer_type(m.device));
    require(buffer != nullptr, DEBERTA_STATUS_OUT_OF_MEMORY, "cannot allocate the position projections");
    m.buffers.push_back(buffer);
    m.positions_begin = m.positions_end = hp.att_span;  // empty, at the row of distance 0
}

void compute_position_rows(const deberta_model & m, int64_t first, int64_t end) {
    const hparams & hp = m.hp;
    const size_t nodes = graph_size(hp);
    ggml_init_params graph_params{ggml_tensor_overhead() * nodes + ggml_graph_overhead_custom(nodes, false), nullptr, true};
    ggml_context * ctx = ggml_init(graph_params);
    require(ctx != nullptr, DEBERTA_STATUS_OUT_OF_MEMORY, "ggml_init failed");
    try {
        ggml_cgraph * graph = ggml_new_graph_custom(ctx, nodes, false);
        ggml_tensor * rows = nullptr;
        build_position_graph(ctx, graph, m, first, end - first, &rows);
        std::vector<int32_t> row_ids((size_t) (end - first));
        for (size_t i = 0; i < row_ids.size(); ++i) row_ids[i] = (int32_t) (first + (int64_t) i);
        const double terms = (hp.c2p ? 1 : 0) + (hp.p2c ? 1 : 0);
        const double flops = 2.0 * (double) hp.n_layers * terms * (double) row_ids.size() * (double) (hp.hidden_size * hp.hidden_size);
        run_graph_once(m, graph, flops, {{rows, row_ids}});
    } catch (...) {
        ggml_free(ctx);
        throw;
    }
    ggml_free(ctx);
}

} // namespace

void ensure_position_rows(const deberta_model & m, int64_t first, int64_t end) {
    if (!m.ctx_positions) return;
    first = std::max<int64_t>(first, 0);
    end = std::min<int64_t>(end, 2 * m.hp.att_span);
    std::lock_guard<std::mutex> lock(m.positions_mutex);
    // The computed range always holds the row of distance 0, so what is missing lies below it, above it, or both.
    if (first < m.positions_begin) {
        compute_position_rows(m, first, m.positions_begin);
        m.positions_begin = first;
    }
    if (end > m.positions_end) {
        compute_position_rows(m, m.positions_end, end);
        m.positions_end = end;
    }
}

ggml_backend_t init_backend(ggml_backend_dev_t dev) {
    ggml_backend_t backend = ggml_backend_dev_init(dev, nullptr);
    require(backend != nullptr, DEBERTA_STATUS_BACKEND_ERROR,
            std::string("cannot initialize ggml device ") + ggml_backend_dev_name(dev));
    return backend;
}

std::unique_ptr<deberta_model> load_model(const std::string & path, int32_t device, bool use_mmap) {
    gguf_file file(path);
    auto m = std::make_unique<deberta_model>();
    m->path = path;
    m->name = file.get_string("general.name", "");
    m->hp = read_hparams(file);
    device_choice choice = choose_device(device);
    m->device = choice.device;
    m->device_name = ggml_backend_dev_name(m->device);
    m->device_reason = std::move(choice.reason);

    ggml_init_params params{ggml_tensor_overhead() * (file.tensors().size() + 1), nullptr, true};
    m->ctx_weights = ggml_init(params);
    require(m->ctx_weights != nullptr, DEBERTA_STATUS_OUT_OF_MEMORY, "ggml_init failed");
    const std::vector<bound_tensor> bound = bind_weights(*m, file);
    if (bound.size() != file.tensors().size()) {
        log(DEBERTA_LOG_WARN, path + ": " + std::to_string(file.tensors().size() - bound.size()) +
                                  " tensors in the file are not used by this model");
    }
    place_repacked(*m);
    place_host_embeddings(*m);
    if (use_mmap) map_tensors(*m, file, bound);
    read_tensors(*m, file, bound);
    allocate_position_projections(*m);
    pack_weights(*m); // position rows computed later read pos_k_w/pos_q_w through weight_product, packed or not
    m->metadata = file.take_metadata();
    return m;
}

} // namespace deberta

deberta_model::~deberta_model() {
    for (ggml_backend_buffer_t b : buffers) ggml_backend_buffer_free(b);
    if (ctx_positions) ggml_free(ctx_positions);
    if (ctx_weights) ggml_free(ctx_weights);
}

size_t deberta_model::weights_size() const {
    size_t total = 0;
    for (ggml_backend_buffer_t b : buffers) total += ggml_backend_buffer_get_size(b);
    return total;
}
