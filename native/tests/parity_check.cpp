// Evaluates reference batches with libdeberta and compares against HF's fp64 outputs, for platforms where the
// xunit suite cannot run (linux-arm64 under qemu, win-x64 under wine). The case file is the fixture's
// refs/<name>.json flattened by .ci/arm64 (jq) into whitespace-separated values:
//   <batches>, then per batch: <name> <B> <T>, input_ids[B*T], attention_mask[B*T], token_type_ids[B*T],
//   <n> last_hidden_state[n], <m> logits[m] (m = 0 without a head).
// Usage: deberta_parity_check <model.gguf> <case.txt> [tolerance]   (exit 0 when every batch is within it)
#include "deberta.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

namespace {

struct ref_batch {
    std::string name;
    int B = 0, T = 0;
    std::vector<int32_t> ids, mask, types;
    std::vector<double> hidden, logits;
};

template <typename T> bool read_values(std::istream & in, size_t n, std::vector<T> & out) {
    out.resize(n);
    for (auto & v : out) if (!(in >> v)) return false;
    return true;
}

bool read_batch(std::istream & in, ref_batch & b) {
    size_t n = 0;
    if (!(in >> b.name >> b.B >> b.T) || b.B <= 0 || b.T <= 0) return false;
    const size_t tokens = size_t(b.B) * b.T;
    return read_values(in, tokens, b.ids) && read_values(in, tokens, b.mask) && read_values(in, tokens, b.types) &&
           (in >> n) && read_values(in, n, b.hidden) && (in >> n) && read_values(in, n, b.logits);
}

// Largest |expected - actual| over the rows of `width` values that belong to real (mask 1) tokens.
double diff_at_real_tokens(const std::vector<double> & expected, const std::vector<float> & actual,
                           const std::vector<int32_t> & mask, size_t width) {
    double worst = 0;
    for (size_t token = 0; token < mask.size(); ++token) {
        if (!mask[token]) continue;
        for (size_t k = 0; k < width; ++k)
            worst = std::max(worst, std::fabs(expected[token * width + k] - actual[token * width + k]));
    }
    return worst;
}

} // namespace

int main(int argc, char ** argv) {
    if (argc < 3 || argc > 4) {
        std::fprintf(stderr, "usage: %s <model.gguf> <case.txt> [tolerance]\n", argv[0]);
        return 2;
    }
    const double tolerance = argc == 4 ? std::atof(argv[3]) : 1e-4;  // docs/graph.md: the F32 bound
    std::ifstream in(argv[2]);
    size_t count = 0;
    std::vector<ref_batch> batches;
    if (in >> count) batches.resize(count);
    for (auto & b : batches) {
        if (!read_batch(in, b)) {
            std::fprintf(stderr, "%s: not a case file (see parity_check.cpp)\n", argv[2]);
            return 2;
        }
    }
    if (batches.empty()) {
        std::fprintf(stderr, "%s: no batches\n", argv[2]);
        return 2;
    }

    deberta_model * model = nullptr;
    if (deberta_model_load(argv[1], nullptr, &model) != DEBERTA_STATUS_OK) {
        std::fprintf(stderr, "cannot load %s: %s\n", argv[1], deberta_last_error());
        return 1;
    }
    deberta_model_info info{};
    deberta_model_get_info(model, &info);
    deberta_context_params cp = deberta_context_default_params();
    for (const auto & b : batches) {
        cp.max_batch = std::max(cp.max_batch, b.B);
        cp.max_tokens = std::max(cp.max_tokens, b.T);
    }
    deberta_context * ctx = nullptr;
    if (deberta_context_create(model, &cp, &ctx) != DEBERTA_STATUS_OK) {
        std::fprintf(stderr, "cannot create a context: %s\n", deberta_last_error());
        deberta_model_free(model);
        return 1;
    }

    int failed = 0;
    for (auto & b : batches) {
        const size_t tokens = size_t(b.B) * b.T, H = size_t(info.hidden_size);
        std::vector<float> hidden(tokens * H), logits(b.logits.size());
        deberta_batch batch{b.ids.data(), b.mask.data(), b.types.data(), b.B, 1, b.T};
        deberta_outputs out{};
        out.last_hidden_state = hidden.data();
        out.last_hidden_state_size = hidden.size();
        if (!logits.empty()) {
            out.logits = logits.data();
            out.logits_size = logits.size();
        }
        if (deberta_context_eval(ctx, &batch, &out) != DEBERTA_STATUS_OK || b.hidden.size() != hidden.size()) {
            std::printf("FAIL %s: %s\n", b.name.c_str(),
                        b.hidden.size() != hidden.size() ? "hidden size differs from the model's" : deberta_last_error());
            ++failed;
            continue;
        }
        const double hidden_diff = diff_at_real_tokens(b.hidden, hidden, b.mask, H);
        // Per-token logits (token classification) count at real tokens only; pooled ones everywhere.
        const bool per_token = !logits.empty() && logits.size() % tokens == 0;
        const double logits_diff =
            per_token ? diff_at_real_tokens(b.logits, logits, b.mask, logits.size() / tokens)
                      : diff_at_real_tokens(b.logits, logits, std::vector<int32_t>(b.B, 1), logits.size() / b.B);
        const bool ok = hidden_diff <= tolerance && logits_diff <= tolerance;
        failed += !ok;
        std::printf("%s %s: max |diff| last_hidden_state %.3e, logits %.3e (bound %.0e)\n", ok ? "ok" : "FAIL",
                    b.name.c_str(), hidden_diff, logits_diff, tolerance);
    }
    deberta_context_free(ctx);
    deberta_model_free(model);
    std::printf("%zu batches, %d failed (ggml CPU variant %s)\n", batches.size(), failed, deberta_cpu_variant());
    return failed == 0 ? 0 : 1;
}
