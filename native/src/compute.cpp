#include "compute.h"

#include "device_choice.h"
#include "errors.h"
#include "ggml_runtime.h"
#include "graph.h"
#include "platform.h"

#include <algorithm>
#include <cmath>

namespace deberta {

compute_backends::compute_backends(ggml_backend_dev_t device, int n_threads, size_t graph_nodes) {
    try {
        if (ggml_backend_dev_type(device) != GGML_BACKEND_DEVICE_TYPE_CPU) backends_.push_back(init_backend(device));
        cpu_ = init_backend(runtime().cpu.device);
        backends_.push_back(cpu_);
        runtime().cpu.set_n_threads(cpu_, n_threads);
        sched_ = ggml_backend_sched_new(backends_.data(), nullptr, (int) backends_.size(), graph_nodes, false, true);
        require(sched_ != nullptr, DEBERTA_STATUS_BACKEND_ERROR, "cannot create the ggml scheduler");
    } catch (...) {
        for (ggml_backend_t b : backends_) ggml_backend_free(b);
        throw;
    }
}

compute_backends::~compute_backends() {
    if (sched_) ggml_backend_sched_free(sched_);
    for (ggml_backend_t b : backends_) ggml_backend_free(b);
}

std::vector<size_t> compute_backends::measure(ggml_cgraph * graph) const {
    std::vector<size_t> sizes(backends_.size(), 0);
    ggml_backend_sched_reserve_size(sched_, graph, sizes.data());
    return sizes;
}

size_t compute_backends::buffer_size() const {
    size_t total = 0;
    for (ggml_backend_t b : backends_) total += ggml_backend_sched_get_buffer_size(sched_, b);
    return total;
}

void run_graph_once(const deberta_model & model, ggml_cgraph * graph, double flops,
                    const std::vector<std::pair<ggml_tensor *, std::vector<int32_t>>> & int_inputs) {
    const int n_threads = threads_for_work(flops, (size_t) ggml_graph_n_nodes(graph), physical_core_count());
    compute_backends backends(model.device, n_threads, graph_size(model.hp));
    require(ggml_backend_sched_alloc_graph(backends.sched(), graph), DEBERTA_STATUS_OUT_OF_MEMORY,
            "cannot allocate the position-projection graph");
    log_graph_placement(backends.sched(), graph, model.device);
    for (const auto & [tensor, values] : int_inputs) {
        ggml_backend_tensor_set(tensor, values.data(), 0, values.size() * sizeof(int32_t));
    }
    require(ggml_backend_sched_graph_compute(backends.sched(), graph) == GGML_STATUS_SUCCESS,
            DEBERTA_STATUS_BACKEND_ERROR, "computing the position projections failed");
}

int threads_for_work(double flops, size_t graph_nodes, int max_threads) {
    // Every graph node ends in a barrier of all threads. On a machine that has been idle, waking a sleeping thread
    // there costs tens of microseconds, more than a second thread saves when the node's work is small
    // (docs/BENCHMARKS.md, finding 15), so each thread beyond the first needs about 2 MFLOP per node.
    constexpr double flops_per_node_per_thread = 2e6;
    const double per_node = flops / (double) std::max<size_t>(graph_nodes, 1);
    return (int) std::clamp(1.0 + std::floor(per_node / flops_per_node_per_thread), 1.0, (double) std::max(max_threads, 1));
}

} // namespace deberta
