// libFuzzer target: any byte string given to deberta_model_load must give OK or an error status,
// never a crash, an abort, a leak or an allocation beyond what the file justifies.
#include "deberta.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t * data, size_t size) {
    static std::string path = [] {
        char tmpl[] = "/tmp/deberta-fuzz-XXXXXX";
        int fd = mkstemp(tmpl);
        if (fd < 0) std::abort();
        close(fd);
        return std::string(tmpl);
    }();
    FILE * f = std::fopen(path.c_str(), "wb");
    if (!f) std::abort();
    if (size) std::fwrite(data, 1, size, f);
    std::fclose(f);

    deberta_model_params params = deberta_model_default_params();
    params.use_mmap = size % 2;  // both loading paths
    deberta_model * model = nullptr;
    if (deberta_model_load(path.c_str(), &params, &model) == DEBERTA_STATUS_OK) {
        deberta_model_info info{};
        deberta_model_get_info(model, &info);
        // The metadata getters over whatever the file holds, as a host's tokenizer reads them.
        size_t n = 0;
        if (deberta_model_meta_strings(model, "tokenizer.ggml.tokens", nullptr, 0, &n) == DEBERTA_STATUS_OK) {
            std::vector<const char *> tokens(n);
            deberta_model_meta_strings(model, "tokenizer.ggml.tokens", tokens.data(), n, &n);
        }
        if (deberta_model_meta_ints(model, "tokenizer.ggml.precompiled_charsmap", nullptr, 0, &n) == DEBERTA_STATUS_OK) {
            std::vector<int64_t> bytes(n);
            deberta_model_meta_ints(model, "tokenizer.ggml.precompiled_charsmap", bytes.data(), n, &n);
        }
        deberta_model_free(model);
    }
    return 0;
}
