#include "cpu_variant_cache.h"

#include "ggml_decls.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

namespace deberta {

namespace {

// The first processor's identity and feature lines (x86: vendor, family, model, flags; Arm: implementer, part,
// features). Clock speed and other changing lines are left out.
std::string processor_identity() {
    std::ifstream cpuinfo("/proc/cpuinfo");
    if (!cpuinfo) return "";
    static const char * const stable[] = {"vendor_id", "cpu family", "model", "model name", "stepping", "microcode",
                                          "flags", "Features", "CPU implementer", "CPU architecture", "CPU variant",
                                          "CPU part", "CPU revision"};
    std::string identity, line;
    while (std::getline(cpuinfo, line) && !line.empty()) {
        const auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        std::string name = line.substr(0, colon);
        name.erase(name.find_last_not_of(" \t") + 1);
        for (const char * s : stable) {
            if (name == s) identity += line + "\n";
        }
    }
    return identity;
}

uint64_t fnv1a(const std::string & s) {
    uint64_t h = 1469598103934665603ull;
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
    return h;
}

} // namespace

std::string variant_cache_file() {
    namespace fs = std::filesystem;
    if (const char * xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return (fs::path(xdg) / "deberta" / "cpu-variant").string();
    if (const char * home = std::getenv("HOME"); home && *home) return (fs::path(home) / ".cache" / "deberta" / "cpu-variant").string();
    return "";
}

std::string variant_choice_key(const std::vector<std::string> & variant_paths) {
    const std::string processor = processor_identity();
    if (processor.empty()) return "";
    std::ostringstream key;
    key << ggml_commit() << "\n" << processor;
    for (const std::string & path : variant_paths) {
        std::error_code ec;
        const auto size = std::filesystem::file_size(path, ec);
        const auto time = std::filesystem::last_write_time(path, ec).time_since_epoch().count();
        key << path << " " << size << " " << time << "\n";
    }
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", (unsigned long long) fnv1a(key.str()));
    return hex;
}

bool recall_variant(const std::string & key, remembered_variant & out) {
    const std::string file = variant_cache_file();
    if (key.empty() || file.empty()) return false;
    std::ifstream in(file);
    std::string stored_key;
    remembered_variant v;
    if (!(in >> stored_key >> v.name >> v.score >> v.runnable) || stored_key != key || v.score <= 0) return false;
    out = v;
    return true;
}

void remember_variant(const std::string & key, const remembered_variant & choice) {
    namespace fs = std::filesystem;
    const std::string file = variant_cache_file();
    if (key.empty() || file.empty()) return;
    std::error_code ec;
    fs::create_directories(fs::path(file).parent_path(), ec);
    const std::string temp = file + "." + std::to_string(getpid());  // processes starting together do not collide
    {
        std::ofstream out(temp, std::ios::trunc);
        if (!(out << key << "\n" << choice.name << "\n" << choice.score << "\n" << choice.runnable << "\n")) {
            fs::remove(temp, ec);
            return;
        }
    }
    fs::rename(temp, file, ec);
    if (ec) fs::remove(temp, ec);
}

} // namespace deberta
