// Checks our weight-product kernels (native/src/kernels) against scalar references on random matrices: every
// product shape of the DeBERTa sizes, odd shapes, 1 and 2 threads. With --bench, prints GFLOP/s instead.
// Usage: deberta_kernel_checks [--bench]   (exit 0 when every check passes; 77 when this CPU lacks the instructions)
#include "kernels/kernels.h"
#include "kernels/kernels_internal.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <random>
#include <string>
#include <thread>
#include <vector>

using namespace deberta::kernels;
using deberta::kernels::detail::float_to_fp16;
using deberta::kernels::detail::fp16_to_float;

namespace {

const char * format_name(weight_format f) {
    switch (f) {
        case weight_format::q8_0: return "q8_0";
        case weight_format::bf16: return "bf16";
        case weight_format::f32: return "f32";
    }
    return "?";
}

std::mt19937 rng(1234);

// A random plain weight in the format's ggml layout, and its values as float (dequantized / widened).
struct weight_case {
    std::vector<uint8_t> bytes;
    std::vector<float> values; // [n][k]
};

uint16_t bf16_bits(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    return (uint16_t) ((u + 0x7fff + ((u >> 16) & 1)) >> 16);
}

float bf16_value(uint16_t h) {
    const uint32_t u = (uint32_t) h << 16;
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}

weight_case random_weight(weight_format format, int64_t k, int64_t n) {
    std::normal_distribution<float> normal(0.0f, 0.05f);
    weight_case w;
    w.bytes.resize(weight_bytes(format, k, n));
    w.values.resize((size_t) (k * n));
    for (int64_t r = 0; r < n; ++r) {
        for (int64_t i = 0; i < k; ++i) {
            const float v = normal(rng);
            switch (format) {
                case weight_format::f32:
                    std::memcpy(&w.bytes[(r * k + i) * 4], &v, 4);
                    w.values[r * k + i] = v;
                    break;
                case weight_format::bf16: {
                    const uint16_t h = bf16_bits(v);
                    std::memcpy(&w.bytes[(r * k + i) * 2], &h, 2);
                    w.values[r * k + i] = bf16_value(h);
                    break;
                }
                case weight_format::q8_0: break;
            }
        }
    }
    if (format == weight_format::q8_0) {
        std::uniform_int_distribution<int> q(-127, 127);
        std::uniform_real_distribution<float> scale(0.0005f, 0.002f);
        const int64_t nb = k / 32;
        for (int64_t r = 0; r < n; ++r) {
            for (int64_t b = 0; b < nb; ++b) {
                uint8_t * block = &w.bytes[(r * nb + b) * 34];
                const uint16_t d = float_to_fp16(scale(rng));
                std::memcpy(block, &d, 2);
                for (int i = 0; i < 32; ++i) {
                    const int8_t v = (int8_t) q(rng);
                    block[2 + i] = (uint8_t) v;
                    w.values[r * k + b * 32 + i] = fp16_to_float(d) * v;
                }
            }
        }
    }
    return w;
}

// The product as ggml computes it for the format, in double: returns the value and the sum of |terms|.
struct reference {
    std::vector<double> value, magnitude; // [m][n] for the checked rows
};

// ggml's x86 quantize_row_q8_0 for one 32-block, in scalar code.
void quantize_block(const float * x, int8_t * q, float * d) {
    float amax = 0.0f;
    for (int i = 0; i < 32; ++i) amax = std::max(amax, std::fabs(x[i]));
    *d = fp16_to_float(float_to_fp16(amax / 127.f));
    const float id = amax != 0.0f ? 127.f / amax : 0.0f;
    for (int i = 0; i < 32; ++i) q[i] = (int8_t) std::nearbyint(x[i] * id);
}

double reference_dot(weight_format format, const weight_case & w, const std::vector<float> & x, int64_t k, int64_t row, int64_t col,
                     double * magnitude) {
    const float * xr = &x[row * k];
    const float * wr = &w.values[col * k];
    double sum = 0.0, mag = 0.0;
    if (format == weight_format::q8_0) {
        const int64_t nb = k / 32;
        for (int64_t b = 0; b < nb; ++b) {
            int8_t q[32];
            float dx;
            quantize_block(xr + b * 32, q, &dx);
            const uint8_t * block = &w.bytes[(col * nb + b) * 34];
            uint16_t dh;
            std::memcpy(&dh, block, 2);
            int32_t dot = 0;
            for (int i = 0; i < 32; ++i) dot += (int8_t) block[2 + i] * q[i];
            const double term = (double) (fp16_to_float(dh) * dx) * dot;
            sum += term;
            mag += std::fabs(term);
        }
    } else {
        for (int64_t i = 0; i < k; ++i) {
            const double xi = format == weight_format::bf16 ? bf16_value(bf16_bits(xr[i])) : xr[i];
            sum += xi * wr[i];
            mag += std::fabs(xi * wr[i]);
        }
    }
    *magnitude = mag;
    return sum;
}

// The exact F32 product (weights as stored, activations unrounded).
double exact_dot(const weight_case & w, const std::vector<float> & x, int64_t k, int64_t row, int64_t col) {
    double sum = 0.0;
    for (int64_t i = 0; i < k; ++i) sum += (double) x[row * k + i] * w.values[col * k + i];
    return sum;
}

// One product on nth threads sharing queue (which must be reset for the next product when they are done).
void run_product(const packed_weight & pw, const std::vector<float> & x, int64_t m, std::vector<float> & y, int nth, work_queue & queue) {
    if (nth == 1) {
        packed_matmul(pw, x.data(), pw.k, m, y.data(), pw.n, 1, queue);
        return;
    }
    std::vector<std::thread> threads;
    for (int ith = 0; ith < nth; ++ith) threads.emplace_back([&] { packed_matmul(pw, x.data(), pw.k, m, y.data(), pw.n, nth, queue); });
    for (auto & t : threads) t.join();
}

// Every row of small products; of large ones the first two row tiles, the last rows and those around the row chunk
// boundary (192).
bool checked_row(int64_t r, int64_t m) { return m <= 16 || r < 13 || r >= m - 7 || (r >= 190 && r <= 194); }

int failures = 0, checks = 0;

// m rows of random activations times the weight w (plain) / pw (packed).
void check_rows(weight_format format, const weight_case & w, const packed_weight & pw, int64_t m) {
    const int64_t k = pw.k, n = pw.n;
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> x((size_t) (m * k));
    for (float & v : x) v = normal(rng);
    if (m > 1) std::fill(x.begin() + k, x.begin() + 2 * k, 0.0f); // an all-zero row: scale 0 for Q8_0

    std::vector<double> ref((size_t) (m * n)), mag((size_t) (m * n)), exact((size_t) (m * n));
    for (int64_t r = 0; r < m; ++r) {
        if (!checked_row(r, m)) continue;
        for (int64_t c = 0; c < n; ++c) {
            ref[r * n + c] = reference_dot(format, w, x, k, r, c, &mag[r * n + c]);
            exact[r * n + c] = exact_dot(w, x, k, r, c);
        }
    }
    // Tolerance against the exact product: the rounding of the activations (bf16: 2^-9 relative, Q8_0: half a
    // step of amax/127 per element).
    const double exact_tolerance = format == weight_format::f32 ? 1e-5 : format == weight_format::bf16 ? 8e-3 : 2e-2;
    work_queue queue{}; // reused across the runs, as a graph node reuses it
    for (int nth : {1, 2, 2}) {
        std::vector<float> y((size_t) (m * n), NAN);
        run_product(pw, x, m, y, nth, queue);
        double worst = 0.0, worst_exact = 0.0, scale = 0.0;
        for (int64_t r = 0; r < m; ++r) {
            if (!checked_row(r, m)) continue;
            for (int64_t c = 0; c < n; ++c) {
                const double got = y[r * n + c];
                if (!std::isfinite(got)) {
                    worst = INFINITY;
                    continue;
                }
                worst = std::max(worst, std::fabs(got - ref[r * n + c]) / (mag[r * n + c] + 1e-30));
                worst_exact = std::max(worst_exact, std::fabs(got - exact[r * n + c]));
                scale = std::max(scale, std::fabs(exact[r * n + c]));
            }
        }
        ++checks;
        // Summation order only: a few float roundings of the sum of |terms|.
        const bool ok = worst <= 4e-6 && worst_exact <= exact_tolerance * std::max(scale, 1e-3);
        if (!ok) {
            ++failures;
            std::printf("FAILED %s k=%lld n=%lld m=%lld threads=%d: relative error vs ggml's arithmetic %.3g, "
                        "max |error| vs exact %.3g (max |y| %.3g)\n",
                        format_name(format), (long long) k, (long long) n, (long long) m, nth, worst, worst_exact, scale);
        }
    }
}

// One random weight of K x N, packed once, against each row count.
void check_shape(weight_format format, int64_t k, int64_t n, std::initializer_list<int64_t> row_counts) {
    const weight_case w = random_weight(format, k, n);
    std::vector<uint8_t> packed = w.bytes;
    pack_in_place(format, packed.data(), k, n);
    const packed_weight pw{format, k, n, packed.data()};
    for (int64_t m : row_counts) check_rows(format, w, pw, m);
}

void checks_for(weight_format format) {
    for (int64_t h : {128, 384, 768, 1024}) {
        check_shape(format, h, h, {1, 3, 16, 128, 512});
        check_shape(format, h, 4 * h, {1, 3, 16, 128, 512});
        check_shape(format, 4 * h, h, {1, 3, 16, 128, 512});
    }
    // Odd shapes: K a multiple of 32 but not of 256 (nor of the K cache block), N not a multiple of 16 or 32, M = 1, 3.
    check_shape(format, 96, 37, {1, 3, 7, 200});
    check_shape(format, 1056, 49, {1, 3, 7, 200});
    check_shape(format, 160, 16, {1, 3, 7, 200});
    check_shape(format, 2080, 250, {1, 3, 7, 200});
    if (format != weight_format::q8_0) check_shape(format, 34, 33, {5}); // K not a multiple of 32
    if (format == weight_format::f32) check_shape(format, 33, 17, {2});
}

void bench(weight_format format, int64_t k, int64_t n, int64_t m, int nth) {
    weight_case w = random_weight(format, k, n);
    pack_in_place(format, w.bytes.data(), k, n);
    const packed_weight pw{format, k, n, w.bytes.data()};
    std::vector<float> x((size_t) (m * k), 0.5f), y((size_t) (m * n));
    work_queue queue{};
    run_product(pw, x, m, y, nth, queue); // warm-up
    int reps = 0;
    const auto start = std::chrono::steady_clock::now();
    double seconds = 0.0;
    do {
        run_product(pw, x, m, y, nth, queue);
        ++reps;
        seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    } while (seconds < 1.0);
    std::printf("%-5s K=%lld N=%lld M=%lld threads=%d: %.1f GFLOP/s\n", format_name(format), (long long) k, (long long) n,
                (long long) m, nth, 2.0 * k * n * m * reps / seconds / 1e9);
}

} // namespace

int main(int argc, char ** argv) {
    const bool bench_mode = argc > 1 && std::string(argv[1]) == "--bench";
    int available = 0;
    for (weight_format f : {weight_format::q8_0, weight_format::bf16, weight_format::f32}) {
        if (!cpu_supports(f)) {
            std::printf("%s: this CPU lacks the instructions, skipped\n", format_name(f));
            continue;
        }
        ++available;
        if (bench_mode) {
            for (int nth : {1, 2}) bench(f, 768, 3072, 128, nth);
        } else {
            checks_for(f);
        }
    }
    if (available == 0) return 77;
    if (!bench_mode) std::printf("%d checks, %d failed\n", checks, failures);
    return failures == 0 ? 0 : 1;
}
