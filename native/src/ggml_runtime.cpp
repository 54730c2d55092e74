#include "ggml_runtime.h"

#include "dynlib.h"
#include "errors.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

namespace deberta {

namespace {

ggml_runtime g_runtime;

struct variant_file {
    std::string name;
    std::string path;
    int score = 0;
};

// The CPU variants beside libggml-base, each with ggml's score for this processor (0: cannot run here).
std::vector<variant_file> scan_cpu_variants(const std::string & dir) {
    const std::string sample = dynlib::backend_file("cpu-X");  // libggml-cpu-X.so / ggml-cpu-X.dll
    const std::string prefix = sample.substr(0, sample.find('X'));
    const std::string suffix = sample.substr(sample.find('X') + 1);
    std::vector<variant_file> found;
    std::error_code ec;
    for (const auto & entry : std::filesystem::directory_iterator(dir, ec)) {
        const std::string file = entry.path().filename().string();
        if (file.size() <= prefix.size() + suffix.size() || file.compare(0, prefix.size(), prefix) != 0 ||
            file.compare(file.size() - suffix.size(), suffix.size(), suffix) != 0)
            continue;
        variant_file v;
        v.name = file.substr(prefix.size(), file.size() - prefix.size() - suffix.size());
        v.path = entry.path().string();
        if (void * handle = dynlib::open(v.path)) {
            using score_fn = int (*)();
            if (auto score = (score_fn) dynlib::symbol(handle, "ggml_backend_score")) v.score = score();
            dynlib::close(handle);
        }
        found.push_back(v);
    }
    std::sort(found.begin(), found.end(), [](const variant_file & a, const variant_file & b) { return a.name < b.name; });
    return found;
}

std::string names_of(const std::vector<variant_file> & variants, bool runnable_only) {
    std::string s;
    for (const auto & v : variants) {
        if (runnable_only && v.score == 0) continue;
        s += (s.empty() ? "" : ", ") + v.name;
    }
    return s.empty() ? "none" : s;
}

const variant_file & choose_cpu_variant(const std::vector<variant_file> & variants, std::string & reason) {
    require(!variants.empty(), DEBERTA_STATUS_BACKEND_ERROR,
            "no ggml CPU backend (" + dynlib::backend_file("cpu-*") + ") found in " + g_runtime.dir);
    const char * forced = std::getenv(cpu_variant_env);
    if (forced && *forced) {
        auto it = std::find_if(variants.begin(), variants.end(), [&](const variant_file & v) { return v.name == forced; });
        require(it != variants.end(), DEBERTA_STATUS_BACKEND_ERROR,
                std::string(cpu_variant_env) + "='" + forced + "' is not a CPU variant here; available: " +
                    names_of(variants, false));
        require(it->score > 0, DEBERTA_STATUS_BACKEND_ERROR,
                std::string(cpu_variant_env) + "='" + forced + "' cannot run on this processor; runnable: " +
                    names_of(variants, true));
        reason = std::string("forced by ") + cpu_variant_env;
        return *it;
    }
    auto best = std::max_element(variants.begin(), variants.end(),
                                 [](const variant_file & a, const variant_file & b) { return a.score < b.score; });
    require(best->score > 0, DEBERTA_STATUS_BACKEND_ERROR,
            "none of the ggml CPU variants in " + g_runtime.dir + " can run on this processor (" +
                names_of(variants, false) + ")");
    reason = "highest ggml score (" + std::to_string(best->score) + ") of " +
             std::to_string(std::count_if(variants.begin(), variants.end(), [](auto & v) { return v.score > 0; })) +
             " runnable variants";
    return *best;
}

void load_cpu_backend() {
    cpu_backend_api & cpu = g_runtime.cpu;
    const std::vector<variant_file> variants = scan_cpu_variants(g_runtime.dir);
    const variant_file & chosen = choose_cpu_variant(variants, cpu.reason);
    cpu.variant = chosen.name;
    ggml_backend_reg_t reg = ggml_backend_load(chosen.path.c_str());
    require(reg != nullptr, DEBERTA_STATUS_BACKEND_ERROR, "ggml could not load its CPU backend " + chosen.path);
    require(ggml_backend_reg_dev_count(reg) > 0, DEBERTA_STATUS_BACKEND_ERROR, "the ggml CPU backend has no device");
    cpu.device = ggml_backend_reg_dev_get(reg, 0);
    cpu.set_n_threads = (ggml_backend_set_n_threads_t) ggml_backend_reg_get_proc_address(reg, "ggml_backend_set_n_threads");
    cpu.set_abort_callback =
        (ggml_backend_set_abort_callback_t) ggml_backend_reg_get_proc_address(reg, "ggml_backend_set_abort_callback");
    if (auto features = (ggml_backend_get_features_t) ggml_backend_reg_get_proc_address(reg, "ggml_backend_get_features"))
        for (ggml_backend_feature * f = features(reg); f && f->name; ++f)
            cpu.features.emplace_back(f->name, f->value ? f->value : "");
    // Not in the registry's table: the per-type CPU traits (the vectorized quantizers) come from the library itself.
    if (void * handle = dynlib::open_loaded(chosen.path))
        cpu.type_traits = (decltype(cpu.type_traits)) dynlib::symbol(handle, "ggml_get_type_traits_cpu");
    require(cpu.set_n_threads && cpu.set_abort_callback && cpu.type_traits, DEBERTA_STATUS_ABI_MISMATCH,
            "ggml ABI mismatch: the CPU backend " + chosen.path + " lacks an entry point libdeberta uses");
}

// GPU backends are optional runtime packages whose files sit beside the CPU variants. The library is opened
// by us first so that a missing driver or runtime library is reported in the dynamic loader's words.
void load_gpu_backends() {
    for (const char * name : gpu_backend_names) {
        const std::string path = (std::filesystem::path(g_runtime.dir) / dynlib::backend_file(name)).string();
        std::error_code ec;
        if (!std::filesystem::exists(path, ec)) continue;
        std::string why;
        if (void * handle = dynlib::open(path)) {
            dynlib::close(handle);
            if (ggml_backend_reg_t reg = ggml_backend_load(path.c_str())) {
                g_runtime.gpu_backends.push_back({name, reg});
                continue;
            }
            why = "ggml rejected it: it cannot run on this system";
        } else {
            why = dynlib::error() + "; are its driver and runtime libraries installed?";
        }
        g_runtime.gpu_failures.push_back(std::string(name) + ": " + path + " did not load (" + why + ")");
        log(DEBERTA_LOG_WARN, "ggml backend " + g_runtime.gpu_failures.back());
    }
}

} // namespace

void load_ggml_runtime() {
    g_runtime.dir = dynlib::module_dir(reinterpret_cast<const void *>(&ggml_version));
    require(!g_runtime.dir.empty(), DEBERTA_STATUS_BACKEND_ERROR, "cannot locate the loaded ggml-base library");
    load_cpu_backend();
    load_gpu_backends();
}

const ggml_runtime & runtime() { return g_runtime; }

} // namespace deberta
