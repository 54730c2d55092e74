// Exercises every C entry point with bad and good input; run under AddressSanitizer/LeakSanitizer.
// Usage: deberta_api_checks <model.gguf>   (exit 0 when every check passes)
#include "deberta.h"

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

static int g_failures = 0;
static int g_checks = 0;

#define CHECK(cond)                                                                  \
    do {                                                                             \
        ++g_checks;                                                                  \
        if (!(cond)) {                                                               \
            ++g_failures;                                                            \
            std::fprintf(stderr, "FAILED %s:%d: %s (last error: %s)\n", __FILE__,    \
                         __LINE__, #cond, deberta_last_error());                    \
        }                                                                            \
    } while (0)

static void library_checks() {
    CHECK(deberta_init() == DEBERTA_STATUS_OK);
    CHECK(deberta_device_count() >= 1);
    CHECK(deberta_device_name(-1) == nullptr);
    CHECK(deberta_device_name(1 << 20) == nullptr);
    CHECK(deberta_abi_layout(nullptr) == -1);
    CHECK(deberta_abi_layout("no_such_struct") == -1);
    CHECK(deberta_selftest_matmul(nullptr, nullptr, nullptr, 1, 1, 1, 1) == DEBERTA_STATUS_INVALID_ARGUMENT);
    CHECK(std::strlen(deberta_last_error()) > 0);
    float a[4] = {1, 2, 3, 4}, out[4] = {};
    CHECK(deberta_selftest_matmul(a, a, out, 2, 2, 2, 0) == DEBERTA_STATUS_INVALID_ARGUMENT);
    CHECK(deberta_selftest_matmul(a, a, out, 2, 2, 2, 2) == DEBERTA_STATUS_OK);
    CHECK(out[0] == 5 && out[1] == 11 && out[3] == 25);
    CHECK(deberta_last_error()[0] == '\0');

    CHECK(deberta_type_name(5) == nullptr);
    CHECK(deberta_type_row_size(DEBERTA_TYPE_Q8_0, 33) == 0);
    CHECK(deberta_type_row_size(DEBERTA_TYPE_Q8_0, 64) == 68);
    std::vector<float> src(64, 0.5f);
    std::vector<unsigned char> dst(68);
    size_t written = 0;
    CHECK(deberta_quantize(DEBERTA_TYPE_Q8_0, src.data(), dst.data(), 1, 64, dst.size(), &written) == DEBERTA_STATUS_OK);
    CHECK(written == 68);
    CHECK(deberta_quantize(DEBERTA_TYPE_Q8_0, src.data(), dst.data(), 2, 64, dst.size(), &written) ==
          DEBERTA_STATUS_INVALID_ARGUMENT);
    CHECK(deberta_quantize(9999, src.data(), dst.data(), 1, 64, dst.size(), &written) == DEBERTA_STATUS_INVALID_ARGUMENT);
    std::vector<float> back(64);
    CHECK(deberta_dequantize(DEBERTA_TYPE_Q8_0, dst.data(), dst.size(), back.data(), 64) == DEBERTA_STATUS_OK);
    CHECK(back[0] > 0.49f && back[0] < 0.51f);
    CHECK(deberta_dequantize(DEBERTA_TYPE_Q8_0, dst.data(), 10, back.data(), 64) == DEBERTA_STATUS_INVALID_ARGUMENT);
}

static void model_checks(const char * path) {
    deberta_model * model = reinterpret_cast<deberta_model *>(0x1);
    deberta_model_params mp = deberta_model_default_params();
    CHECK(deberta_model_load(nullptr, &mp, &model) == DEBERTA_STATUS_INVALID_ARGUMENT);
    CHECK(deberta_model_load(path, &mp, nullptr) == DEBERTA_STATUS_INVALID_ARGUMENT);
    CHECK(deberta_model_load("/nonexistent/model.gguf", &mp, &model) == DEBERTA_STATUS_IO_ERROR);
    CHECK(model == nullptr);
    CHECK(deberta_model_load("/proc/self/status", &mp, &model) == DEBERTA_STATUS_INVALID_MODEL);
    deberta_model_free(nullptr);

    CHECK(deberta_model_load(path, nullptr, &model) == DEBERTA_STATUS_OK);  // NULL params: defaults
    if (!model) return;
    deberta_model_info info{};
    CHECK(deberta_model_get_info(model, &info) == DEBERTA_STATUS_OK);
    CHECK(deberta_model_get_info(nullptr, &info) == DEBERTA_STATUS_INVALID_ARGUMENT);
    CHECK(deberta_model_get_info(model, nullptr) == DEBERTA_STATUS_INVALID_ARGUMENT);
    CHECK(deberta_model_label(model, -1) == nullptr);
    CHECK(deberta_model_label(model, info.num_labels) == nullptr);
    CHECK(deberta_model_weights_size(model) > 0);

    deberta_context * ctx = nullptr;
    deberta_context_params cp = deberta_context_default_params();
    cp.n_threads = 2;
    cp.max_batch = 2;
    cp.max_tokens = 16;
    CHECK(deberta_context_create(nullptr, &cp, &ctx) == DEBERTA_STATUS_INVALID_ARGUMENT);
    deberta_context_params bad = cp;
    bad.max_batch = 0;
    CHECK(deberta_context_create(model, &bad, &ctx) == DEBERTA_STATUS_INVALID_ARGUMENT);
    bad = cp;
    bad.max_tokens = -5;
    CHECK(deberta_context_create(model, &bad, &ctx) == DEBERTA_STATUS_INVALID_ARGUMENT);
    CHECK(deberta_context_create(model, &cp, &ctx) == DEBERTA_STATUS_OK);
    if (!ctx) {
        deberta_model_free(model);
        return;
    }

    CHECK(deberta_context_threads(ctx, 2, 16) == 1);  // a tiny model: too little work to share
    CHECK(deberta_context_threads(ctx, 0, 16) == 0);
    CHECK(deberta_context_threads(nullptr, 1, 16) == 0);

    const int B = 2, T = 8, H = info.hidden_size;
    std::vector<int32_t> ids(B * T, 5), mask(B * T, 1), types(B * T, 0);
    ids[0] = 1;
    ids[T] = 1;
    for (int t = 5; t < T; ++t) mask[T + t] = 0;
    std::vector<float> hidden(size_t(B) * T * H);
    deberta_batch batch{ids.data(), mask.data(), types.data(), B, 1, T};
    deberta_outputs outputs{};
    outputs.last_hidden_state = hidden.data();
    outputs.last_hidden_state_size = hidden.size();

    CHECK(deberta_context_eval(ctx, &batch, &outputs) == DEBERTA_STATUS_OK);
    CHECK(deberta_context_eval(nullptr, &batch, &outputs) == DEBERTA_STATUS_INVALID_ARGUMENT);
    CHECK(deberta_context_eval(ctx, nullptr, &outputs) == DEBERTA_STATUS_INVALID_ARGUMENT);

    deberta_batch b2 = batch;
    b2.n_tokens = 17;  // beyond max_tokens
    CHECK(deberta_context_eval(ctx, &b2, &outputs) == DEBERTA_STATUS_INVALID_ARGUMENT);
    b2 = batch;
    b2.n_batch = 3;  // beyond max_batch
    CHECK(deberta_context_eval(ctx, &b2, &outputs) == DEBERTA_STATUS_INVALID_ARGUMENT);
    b2 = batch;
    b2.n_batch = 0;
    CHECK(deberta_context_eval(ctx, &b2, &outputs) == DEBERTA_STATUS_INVALID_ARGUMENT);
    b2 = batch;
    b2.input_ids = nullptr;
    CHECK(deberta_context_eval(ctx, &b2, &outputs) == DEBERTA_STATUS_INVALID_ARGUMENT);

    ids[3] = info.vocab_size;  // out of vocabulary
    CHECK(deberta_context_eval(ctx, &batch, &outputs) == DEBERTA_STATUS_INVALID_ARGUMENT);
    ids[3] = -1;
    CHECK(deberta_context_eval(ctx, &batch, &outputs) == DEBERTA_STATUS_INVALID_ARGUMENT);
    ids[3] = 5;
    mask[2] = 7;  // masks are 0/1
    CHECK(deberta_context_eval(ctx, &batch, &outputs) == DEBERTA_STATUS_INVALID_ARGUMENT);
    mask[2] = 1;

    deberta_outputs small = outputs;
    small.last_hidden_state_size = hidden.size() - 1;  // too small a buffer
    CHECK(deberta_context_eval(ctx, &batch, &small) == DEBERTA_STATUS_INVALID_ARGUMENT);

    // Still usable after errors, and deterministic.
    std::vector<float> again(hidden.size());
    deberta_outputs o2 = outputs;
    o2.last_hidden_state = again.data();
    CHECK(deberta_context_eval(ctx, &batch, &o2) == DEBERTA_STATUS_OK);
    CHECK(std::memcmp(again.data(), hidden.data(), hidden.size() * sizeof(float)) == 0);
    CHECK(deberta_context_memory(ctx) > 0);

    deberta_context_free(ctx);
    deberta_context_free(nullptr);
    deberta_model_free(model);
}

int main(int argc, char ** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s <model.gguf>\n", argv[0]);
        return 2;
    }
    library_checks();
    model_checks(argv[1]);
    std::printf("%d checks, %d failed\n", g_checks, g_failures);
    return g_failures == 0 ? 0 : 1;
}
