// device_choice.h: which ggml device a model runs on (deberta_device), whether that device has room for
// the model, and where the scheduler put a graph's nodes.
#pragma once

#include "ggml_decls.h"

#include <cstdint>
#include <string>

namespace deberta {

struct device_choice {
    ggml_backend_dev_t device = nullptr;
    std::string reason;  // why this device, in the user's terms (deberta_model_device_reason)
};

// Resolves a deberta_device value. A GPU backend that is not installed, present but not loadable, or
// without a device is an error naming the package to add or why it failed; `best` falls back to the CPU.
device_choice choose_device(int32_t requested);

// Fails with DEBERTA_STATUS_OUT_OF_MEMORY when a GPU reports less free memory than needed; no-op for the CPU,
// whose memory the operating system manages (and the file mapping shares).
void require_device_memory(ggml_backend_dev_t device, size_t needed, const std::string & what);

// At debug level: how many nodes of an allocated graph each backend runs, and which ops of the model's
// device fell back to the CPU.
void log_graph_placement(ggml_backend_sched_t sched, ggml_cgraph * graph, ggml_backend_dev_t device);

} // namespace deberta
