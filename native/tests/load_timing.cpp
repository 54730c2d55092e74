// deberta_load_timing MODEL [ROUNDS] [MAX_BATCH] [MAX_TOKENS]: where a load's time goes (docs/BENCHMARKS.md,
// finding 16; not a check, and not registered with CTest). Prints deberta_init once, then per round: model load, context creation, the first and a second
// 1x16 evaluation, each as wall and process CPU milliseconds (CPU time stays meaningful on a busy machine).
#include "deberta.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <vector>

namespace {

double wall_ms() {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double cpu_ms() {
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double) t.tv_sec * 1e3 + (double) t.tv_nsec / 1e6;
}

struct stopwatch {
    double wall = wall_ms(), cpu = cpu_ms();
    void print(const char * what) {
        const double w = wall_ms(), c = cpu_ms();
        std::printf("%s %.2f ms (cpu %.2f)  ", what, w - wall, c - cpu);
        wall = w, cpu = c;
    }
};

} // namespace

int main(int argc, char ** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s MODEL [ROUNDS] [MAX_BATCH] [MAX_TOKENS]\n", argv[0]);
        return 2;
    }
    const int rounds = argc > 2 ? std::atoi(argv[2]) : 3;
    deberta_context_params cp = deberta_context_default_params();
    if (argc > 3) cp.max_batch = std::atoi(argv[3]);
    if (argc > 4) cp.max_tokens = std::atoi(argv[4]);

    stopwatch clock;
    if (deberta_init() != DEBERTA_STATUS_OK) return 1;
    clock.print("init");
    std::printf("\n");
    for (int r = 0; r < rounds; ++r) {
        deberta_model * model = nullptr;
        deberta_context * context = nullptr;
        if (deberta_model_load(argv[1], nullptr, &model) != DEBERTA_STATUS_OK) return 1;
        clock.print("load");
        if (deberta_context_create(model, &cp, &context) != DEBERTA_STATUS_OK) return 1;
        clock.print("context");
        deberta_model_info info{};
        deberta_model_get_info(model, &info);
        std::vector<int32_t> ids(16, 5), mask(16, 1);
        ids[0] = 1, ids[15] = 2;
        const deberta_batch batch{ids.data(), mask.data(), nullptr, 1, 1, 16};
        std::vector<float> hidden(16 * (size_t) info.hidden_size);
        deberta_outputs out{};
        out.last_hidden_state = hidden.data();
        out.last_hidden_state_size = hidden.size();
        for (const char * what : {"eval1", "eval2"}) {
            if (deberta_context_eval(context, &batch, &out) != DEBERTA_STATUS_OK) return 1;
            clock.print(what);
        }
        std::printf("\n");
        deberta_context_free(context);
        deberta_model_free(model);
    }
    return 0;
}
