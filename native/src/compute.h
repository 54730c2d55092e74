// compute.h: the compute layer both the model (its load-time graphs) and the contexts run graphs through:
// the model's device (plus the CPU) behind one ggml scheduler, and the thread count for a graph's work.
#pragma once

#include "model.h"

#include <cstdint>
#include <utility>
#include <vector>

namespace deberta {

// The model's device (plus the CPU as fallback) behind one ggml_backend_sched.
class compute_backends {
public:
    compute_backends(ggml_backend_dev_t device, int n_threads, size_t graph_nodes);
    ~compute_backends();
    compute_backends(const compute_backends &) = delete;
    compute_backends & operator=(const compute_backends &) = delete;

    ggml_backend_sched_t sched() const { return sched_; }
    ggml_backend_t cpu() const { return cpu_; }
    // Compute-buffer bytes graph needs per backend (the model's device first), measured without allocating.
    std::vector<size_t> measure(ggml_cgraph * graph) const;
    size_t buffer_size() const;

private:
    std::vector<ggml_backend_t> backends_;
    ggml_backend_t cpu_ = nullptr;
    ggml_backend_sched_t sched_ = nullptr;
};

// CPU threads for a graph of graph_nodes nodes doing flops in all: fewer than max_threads when the work per node is small.
int threads_for_work(double flops, size_t graph_nodes, int max_threads);

// Runs a one-off graph of about flops FLOP (e.g. the position projections at load) on the model's device.
void run_graph_once(const deberta_model & model, ggml_cgraph * graph, double flops,
                    const std::vector<std::pair<ggml_tensor *, std::vector<int32_t>>> & int_inputs);

} // namespace deberta
