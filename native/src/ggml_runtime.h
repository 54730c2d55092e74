// ggml_runtime.h: registers ggml's run-time loaded backends (the best CPU variant by ggml's own scores,
// GPU backends found beside it) and exposes the CPU backend's entry points, which live in whichever
// libggml-cpu-<variant> was loaded and so are reached through the registry or that library's handle.
#pragma once

#include "ggml_decls.h"

#include <string>
#include <utility>
#include <vector>

namespace deberta {

struct cpu_backend_api {
    std::string variant;  // e.g. "zen4", "haswell", "armv8.2_1"
    std::string reason;   // why it was chosen, for info and logs
    std::vector<std::pair<std::string, std::string>> features;  // ggml's feature list of that build
    ggml_backend_dev_t device = nullptr;
    ggml_backend_set_n_threads_t set_n_threads = nullptr;
    ggml_backend_set_abort_callback_t set_abort_callback = nullptr;
    const ggml_type_traits_cpu * (*type_traits)(ggml_type type) = nullptr;
};

// A GPU backend library found beside the CPU variants and registered with ggml.
struct gpu_backend {
    std::string name;              // "cuda", "vulkan", "metal"
    ggml_backend_reg_t reg = nullptr;
};

struct ggml_runtime {
    std::string dir;                        // where ggml's libraries were found
    cpu_backend_api cpu;
    std::vector<gpu_backend> gpu_backends;  // registered, in the order cuda, vulkan, metal
    std::vector<std::string> gpu_failures;  // "vulkan: <why>" for backend files present but not loadable
};

// Loads the backends once (from deberta_init); throws Error when no CPU variant can run.
void load_ggml_runtime();
const ggml_runtime & runtime();

// The GPU backends looked for beside the CPU variants, in the order `best` prefers them.
constexpr const char * gpu_backend_names[] = {"cuda", "vulkan", "metal"};

// Environment variable naming the CPU variant to load instead of the best-scoring one.
constexpr const char * cpu_variant_env = "DEBERTA_CPU_VARIANT";

} // namespace deberta
