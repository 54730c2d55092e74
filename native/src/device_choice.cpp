#include "device_choice.h"

#include "dynlib.h"
#include "errors.h"
#include "ggml_runtime.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <vector>

namespace deberta {

namespace {

// What a user installs to get a GPU backend; the runtime packages place the backend's library beside the CPU
// variants (docs/gpu.md).
struct gpu_kind {
    int32_t device;        // deberta_device
    const char * name;     // as in gpu_backend_names and --device
    const char * display;
    const char * reg_name; // ggml's registry name
    const char * install;  // how to install it on this platform
};

#if defined(__linux__) && defined(__x86_64__)
constexpr const char * cuda_install = "add the NuGet package DebertaGgml.Runtime.Cuda (libggml-cuda.so of npm "
                                      "@node-llama-cpp/linux-x64-cuda@3.21.1; it needs the NVIDIA driver and the CUDA 13 "
                                      "runtime libraries libcudart.so.13 and libcublas.so.13)";
constexpr const char * vulkan_install = "add the NuGet package DebertaGgml.Runtime.Vulkan (libggml-vulkan.so of npm "
                                        "@node-llama-cpp/linux-x64-vulkan@3.21.1; it needs libvulkan.so.1 and a Vulkan driver)";
#else
constexpr const char * cuda_install = "no CUDA runtime package exists for this platform yet (only linux-x64: DebertaGgml.Runtime.Cuda)";
constexpr const char * vulkan_install = "no Vulkan runtime package exists for this platform yet (only linux-x64: DebertaGgml.Runtime.Vulkan)";
#endif
#if defined(__APPLE__)
constexpr const char * metal_install = "libggml-metal.so of npm @node-llama-cpp/mac-arm64-metal@3.21.1 belongs beside libggml-base";
#else
constexpr const char * metal_install = "Metal runs on macOS only";
#endif

const gpu_kind gpu_kinds[] = {
    {DEBERTA_DEVICE_CUDA, "cuda", "CUDA", "CUDA", cuda_install},
    {DEBERTA_DEVICE_VULKAN, "vulkan", "Vulkan", "Vulkan", vulkan_install},
    {DEBERTA_DEVICE_METAL, "metal", "Metal", "MTL", metal_install},
};

bool is_gpu(ggml_backend_dev_t dev) {
    const enum ggml_backend_dev_type type = ggml_backend_dev_type(dev);
    return type == GGML_BACKEND_DEVICE_TYPE_GPU || type == GGML_BACKEND_DEVICE_TYPE_IGPU;
}

std::string describe(ggml_backend_dev_t dev) {
    return std::string(ggml_backend_dev_name(dev)) + " (" + ggml_backend_dev_description(dev) + ")";
}

std::string failure_of(const char * name) {
    const std::string prefix = std::string(name) + ": ";
    for (const std::string & f : runtime().gpu_failures) {
        if (f.compare(0, prefix.size(), prefix) == 0) return f.substr(prefix.size());
    }
    return "";
}

// The registry of a GPU backend: one we loaded from beside the CPU variants, or one built into ggml itself.
ggml_backend_reg_t registry_of(const gpu_kind & kind) {
    for (const gpu_backend & b : runtime().gpu_backends) {
        if (b.name == kind.name) return b.reg;
    }
    return ggml_backend_reg_by_name(kind.reg_name);
}

ggml_backend_dev_t first_gpu_of(ggml_backend_reg_t reg) {
    for (size_t i = 0; reg && i < ggml_backend_reg_dev_count(reg); ++i) {
        ggml_backend_dev_t dev = ggml_backend_reg_dev_get(reg, i);
        if (is_gpu(dev)) return dev;
    }
    return nullptr;
}

ggml_backend_dev_t named_gpu(const gpu_kind & kind) {
    ggml_backend_reg_t reg = registry_of(kind);
    if (!reg) {
        const std::string failure = failure_of(kind.name);
        require(failure.empty(), DEBERTA_STATUS_BACKEND_ERROR,
                std::string("the ") + kind.display + " backend is installed but cannot run: " + failure);
        fail(DEBERTA_STATUS_BACKEND_ERROR, std::string("the ") + kind.display + " backend is not installed (no " +
             dynlib::backend_file(kind.name) + " in " + runtime().dir + "): " + kind.install);
    }
    ggml_backend_dev_t dev = first_gpu_of(reg);
    require(dev != nullptr, DEBERTA_STATUS_BACKEND_ERROR,
            std::string("the ") + kind.display + " backend is installed but found no GPU (is the driver installed?)");
    return dev;
}

ggml_backend_dev_t cpu_device() {
    require(runtime().cpu.device != nullptr, DEBERTA_STATUS_BACKEND_ERROR, "ggml has no CPU device");
    return runtime().cpu.device;
}

// `best`: the first GPU of any registered backend, else the CPU with what kept each GPU backend away.
device_choice choose_best() {
    for (size_t i = 0; i < ggml_backend_dev_count(); ++i) {
        ggml_backend_dev_t dev = ggml_backend_dev_get(i);
        if (is_gpu(dev)) return {dev, "best: " + describe(dev) + " is the first GPU"};
    }
    std::string why;
    for (const gpu_kind & kind : gpu_kinds) {
        const std::string failure = failure_of(kind.name);
        if (!failure.empty()) why += std::string(why.empty() ? "" : "; ") + kind.name + " did not load";
        else if (registry_of(kind)) why += std::string(why.empty() ? "" : "; ") + kind.name + " found no GPU";
    }
    return {cpu_device(), "best: no GPU " + (why.empty() ? std::string("backend is installed") : "available (" + why + ")") +
                              ", running on the CPU"};
}

std::string gib(double bytes) {
    char s[32];
    std::snprintf(s, sizeof s, "%.2f GiB", bytes / (1024.0 * 1024.0 * 1024.0));
    return s;
}

} // namespace

device_choice choose_device(int32_t requested) {
    device_choice choice;
    if (requested == DEBERTA_DEVICE_CPU) {
        choice = {cpu_device(), "requested"};
    } else if (requested == DEBERTA_DEVICE_BEST) {
        choice = choose_best();
    } else {
        const gpu_kind * kind = std::find_if(std::begin(gpu_kinds), std::end(gpu_kinds),
                                             [&](const gpu_kind & k) { return k.device == requested; });
        DEBERTA_CHECK_ARG(kind != std::end(gpu_kinds), "params.device " + std::to_string(requested) +
                          " is not a deberta_device (CPU, BEST, CUDA, VULKAN, METAL)");
        choice = {named_gpu(*kind), "requested"};
    }
    log(DEBERTA_LOG_INFO, "device: " + describe(choice.device) + " (" + choice.reason + ")");
    return choice;
}

void require_device_memory(ggml_backend_dev_t device, size_t needed, const std::string & what) {
    if (!is_gpu(device)) return;
    size_t free = 0, total = 0;
    ggml_backend_dev_memory(device, &free, &total);
    if (free == 0 && total == 0) return;  // the backend does not report memory
    if (needed > free) {
        fail(DEBERTA_STATUS_OUT_OF_MEMORY, describe(device) + " has " + gib((double) free) + " free of " + gib((double) total) +
             "; " + what + " need " + gib((double) needed) + ": free GPU memory, use a smaller or quantized model, or run on the CPU");
    }
}

void log_graph_placement(ggml_backend_sched_t sched, ggml_cgraph * graph, ggml_backend_dev_t device) {
    std::map<std::string, int> per_backend;
    std::map<std::string, int> fell_back;  // op -> nodes on the CPU while the model's device is a GPU
    const bool gpu_model = is_gpu(device);
    const int n = ggml_graph_n_nodes(graph);
    for (int i = 0; i < n; ++i) {
        ggml_tensor * node = ggml_graph_node(graph, i);
        ggml_backend_t backend = ggml_backend_sched_get_tensor_backend(sched, node);
        if (!backend) continue;  // views and no-ops the scheduler does not assign
        ++per_backend[ggml_backend_name(backend)];
        if (gpu_model && ggml_backend_get_device(backend) != device) ++fell_back[ggml_op_desc(node)];
    }
    std::string line = "graph placement: " + std::to_string(n) + " nodes in " +
                       std::to_string(ggml_backend_sched_get_n_splits(sched)) + " splits;";
    for (const auto & [name, count] : per_backend) line += " " + name + " " + std::to_string(count);
    if (gpu_model) {
        std::string ops;
        for (const auto & [op, count] : fell_back) ops += (ops.empty() ? "" : ", ") + op + " x" + std::to_string(count);
        line += "; on the CPU (fallback or host weights): " + (ops.empty() ? std::string("none") : ops);
    }
    log(DEBERTA_LOG_DEBUG, line);
}

} // namespace deberta
