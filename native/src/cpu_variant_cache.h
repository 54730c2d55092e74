// cpu_variant_cache.h: remembers which ggml CPU variant ggml's scores chose for this processor and these library
// files, so that a new process need not load every variant to ask it again (docs/BENCHMARKS.md, finding 17).
#pragma once

#include <string>
#include <vector>

namespace deberta {

struct remembered_variant {
    std::string name;  // the <name> of libggml-cpu-<name>
    int score = 0;     // its ggml score here
    int runnable = 0;  // how many variants scored above 0
};

// A key for the variant files (names, sizes, modification times) on this processor (its identity and feature
// flags); "" where the processor cannot be identified (no /proc/cpuinfo, as on Windows), which turns the cache off.
std::string variant_choice_key(const std::vector<std::string> & variant_paths);

// The choice stored under key, if any.
bool recall_variant(const std::string & key, remembered_variant & out);

// Stores the choice under key; failures (read-only or missing cache folder) are ignored.
void remember_variant(const std::string & key, const remembered_variant & choice);

// Where the choice is stored: $XDG_CACHE_HOME/deberta/cpu-variant, else ~/.cache/deberta/cpu-variant; "" if neither.
std::string variant_cache_file();

} // namespace deberta
