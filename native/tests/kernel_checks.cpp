// Checks our weight-product kernels (native/src/kernels) against scalar references on random matrices: every
// product shape of the DeBERTa sizes, odd shapes, 1 and 2 threads, with and without the output stage (bias, GELU);
// and the vectorized GELU against an F64 reference from -FLT_MAX to FLT_MAX; each at every level (AVX-512, AVX2) this
// CPU runs. With --bench, prints GFLOP/s instead.
// Usage: deberta_kernel_checks [--bench]   (exit 0 when every check passes; 77 when this CPU lacks the instructions)
#include "kernels/kernels.h"
#include "kernels/kernels_internal.h"

#include <array>
#include <cfloat>
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
        case weight_format::f16: return "f16";
    }
    return "?";
}

const char * level_name(isa_level level) {
    switch (level) {
        case isa_level::avx512: return "avx512";
        case isa_level::avx2: return "avx2";
        case isa_level::none: break;
    }
    return "none";
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
                case weight_format::bf16:
                case weight_format::f16: {
                    const uint16_t h = format == weight_format::bf16 ? bf16_bits(v) : float_to_fp16(v);
                    std::memcpy(&w.bytes[(r * k + i) * 2], &h, 2);
                    w.values[r * k + i] = format == weight_format::bf16 ? bf16_value(h) : fp16_to_float(h);
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

// The product as the format's kernel computes it (as ggml does, except F16, whose activations stay F32 where ggml rounds
// them to F16), in double: returns the value and the sum of |terms|.
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
void run_product(const packed_weight & pw, const std::vector<float> & x, int64_t m, std::vector<float> & y, int nth, work_queue & queue,
                 const output_stage & stage = {}) {
    if (nth == 1) {
        packed_matmul(pw, x.data(), pw.k, m, y.data(), pw.n, stage, 1, queue);
        return;
    }
    std::vector<std::thread> threads;
    for (int ith = 0; ith < nth; ++ith) threads.emplace_back([&] { packed_matmul(pw, x.data(), pw.k, m, y.data(), pw.n, stage, nth, queue); });
    for (auto & t : threads) t.join();
}

int failures = 0, checks = 0;

double gelu_reference(double x) { return 0.5 * x * std::erfc(-x / std::sqrt(2.0)); }

// What our GELU may differ from the exact value by: float rounding of a result of size max(1, |x|). ggml's erff-based
// form stays within it too (check_gelu prints both).
double gelu_tolerance(double x) { return 2.5e-7 * std::max(1.0, std::fabs(x)); }

// The product y (already checked) through the stage: a bias alone must give the F32 sums exactly; with GELU, the
// result must be within gelu_tolerance of the exact GELU of those sums.
void check_stage(const packed_weight & pw, const std::vector<float> & x, int64_t m, const std::vector<float> & y, int nth,
                 work_queue & queue) {
    const int64_t n = pw.n;
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> bias((size_t) n);
    for (float & b : bias) b = normal(rng);
    for (bool gelu : {false, true}) {
        const output_stage stage{bias.data(), gelu};
        std::vector<float> got((size_t) (m * n), NAN);
        run_product(pw, x, m, got, nth, queue, stage);
        double worst = 0.0;
        for (int64_t r = 0; r < m; ++r) {
            for (int64_t c = 0; c < n; ++c) {
                const float sum = y[r * n + c] + bias[c];
                const double error = gelu ? std::fabs(got[r * n + c] - gelu_reference(sum)) / gelu_tolerance(sum)
                                          : (got[r * n + c] == sum ? 0.0 : INFINITY);
                worst = std::max(worst, std::isnan(error) ? INFINITY : error);
            }
        }
        ++checks;
        if (worst > 1.0) {
            ++failures;
            std::printf("FAILED %s output stage (bias%s) k=%lld n=%lld m=%lld threads=%d: error %.3g of the tolerance\n",
                        level_name(pw.level), gelu ? " + gelu" : "", (long long) pw.k, (long long) n, (long long) m, nth, worst);
        }
    }
}

// Every row of small products; of large ones the first two row tiles, the last rows and those around the row chunk
// boundary (192).
bool checked_row(int64_t r, int64_t m) { return m <= 16 || r < 13 || r >= m - 7 || (r >= 190 && r <= 194); }

// activation_product (attention products) against the F64 product on strided operands: a [cols][k] at row stride
// k + 3, b [m][k] at k + 5, y at cols + 2 (the columns after cols must stay untouched); 1 and 2 threads taking
// column units as the ggml op hands them out.
void check_activation_product(int64_t m, int64_t n, int64_t k, isa_level level) {
    std::normal_distribution<float> normal(0.0f, 1.0f);
    const int64_t lda = k + 3, ldb = k + 5, ldy = n + 2;
    std::vector<float> a((size_t) (n * lda)), b((size_t) (m * ldb));
    for (float & v : a) v = normal(rng);
    for (float & v : b) v = normal(rng);
    for (int nth : {1, 2}) {
        std::vector<float> y((size_t) (m * ldy), -7.0f);
        const int64_t units = (n + unit_columns - 1) / unit_columns;
        std::vector<std::thread> threads;
        for (int ith = 0; ith < nth; ++ith) {
            threads.emplace_back([&, ith] {
                for (int64_t u = ith; u < units; u += nth) {
                    const int64_t n0 = u * unit_columns;
                    activation_product(a.data() + n0 * lda, lda, std::min(unit_columns, n - n0), b.data(), ldb, m, k, y.data() + n0, ldy,
                                       level);
                }
            });
        }
        for (auto & t : threads) t.join();
        double worst = 0.0;
        bool untouched = true;
        for (int64_t i = 0; i < m; ++i) {
            for (int64_t j = 0; j < n; ++j) {
                double sum = 0.0, magnitude = 0.0;
                for (int64_t l = 0; l < k; ++l) {
                    sum += (double) b[i * ldb + l] * a[j * lda + l];
                    magnitude += std::fabs((double) b[i * ldb + l] * a[j * lda + l]);
                }
                const double error = std::fabs(y[i * ldy + j] - sum) / (magnitude + 1e-30);
                worst = std::isnan(error) ? INFINITY : std::max(worst, error);
            }
            untouched = untouched && y[i * ldy + n] == -7.0f && y[i * ldy + n + 1] == -7.0f;
        }
        ++checks;
        if (!(worst <= 4e-6) || !untouched) { // a few float roundings of the sum of |terms|
            ++failures;
            std::printf("FAILED %s activation product m=%lld n=%lld k=%lld threads=%d: relative error %.3g%s\n", level_name(level),
                        (long long) m, (long long) n, (long long) k, nth, worst, untouched ? "" : ", wrote past its columns");
        }
    }
}

// Our GELU against the F64 reference on every 997th float in [-20, 20], on powers of two out to FLT_MAX, on zeros,
// subnormals and infinities; NaN stays NaN.
void check_gelu(isa_level level) {
    std::vector<float> x;
    for (float v = -20.0f; v <= 20.0f; v = std::nextafter(v, 40.0f)) {
        x.push_back(v);
        for (int i = 0; i < 996 && v < 20.0f; ++i) v = std::nextafter(v, 40.0f);
    }
    for (float p = 1.0f; std::isfinite(p); p *= 2.0f) x.insert(x.end(), {p, -p, p * 1.5f, -p * 1.5f});
    x.insert(x.end(), {0.0f, -0.0f, FLT_MIN, -FLT_MIN, FLT_TRUE_MIN, -FLT_TRUE_MIN, FLT_MAX, -FLT_MAX, INFINITY, NAN});
    std::vector<float> y(x.size());
    gelu_erf(x.data(), y.data(), (int64_t) x.size(), level);
    double worst = 0.0, worst_at = 0.0, worst_ggml = 0.0;
    bool ok = std::isnan(y.back()) && y[y.size() - 2] == INFINITY;
    for (size_t i = 0; i + 2 < x.size(); ++i) {
        const double reference = gelu_reference(x[i]);
        const double error = std::fabs(y[i] - reference) / gelu_tolerance(x[i]);
        if (!(error <= worst)) worst = error, worst_at = x[i];
        const float ggml = 0.5f * x[i] * (1.0f + std::erf(x[i] * 0.70710678f));
        if (std::isfinite(ggml)) worst_ggml = std::max(worst_ggml, std::fabs(ggml - reference) / gelu_tolerance(x[i]));
    }
    ++checks;
    std::printf("%s gelu_erf: %zu values, worst error %.3g of the tolerance (at x = %.9g); ggml's erff form: %.3g\n",
                level_name(level), x.size(), worst, worst_at, worst_ggml);
    if (!ok || !(worst <= 1.0)) {
        ++failures;
        std::printf("FAILED %s gelu_erf: worst error %.3g of the tolerance at x = %.9g, inf -> %g, NaN -> %g\n", level_name(level),
                    worst, worst_at, y[y.size() - 2], y.back());
    }
    // Lengths that end inside a vector, and in place.
    for (int64_t n : {1, 15, 17, 33}) {
        std::vector<float> v((size_t) n);
        for (int64_t i = 0; i < n; ++i) v[i] = (float) (i - n / 2) * 0.37f;
        const std::vector<float> original = v;
        gelu_erf(v.data(), v.data(), n, level);
        for (int64_t i = 0; i < n; ++i) {
            if (std::fabs(v[i] - gelu_reference(original[i])) > gelu_tolerance(original[i])) {
                ++failures;
                std::printf("FAILED %s gelu_erf in place, n=%lld, element %lld\n", level_name(level), (long long) n, (long long) i);
                break;
            }
        }
    }
}

// m rows of random activations times the weight w (plain) / each of pws (packed, one per kernel level), against
// references computed once.
void check_rows(weight_format format, const weight_case & w, const std::vector<packed_weight> & pws, int64_t m) {
    const int64_t k = pws[0].k, n = pws[0].n;
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
    // Tolerance against the exact product: the rounding of the activations (none for F32 and F16, whose weights are
    // exact halves; bf16: 2^-9 relative, Q8_0: half a step of amax/127 per element).
    const double exact_tolerance = format == weight_format::f32 || format == weight_format::f16 ? 1e-5
                                   : format == weight_format::bf16                              ? 8e-3
                                                                                                : 2e-2;
    work_queue queue{}; // reused across the runs, as a graph node reuses it
    for (const packed_weight & pw : pws) {
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
                std::printf("FAILED %s %s k=%lld n=%lld m=%lld threads=%d: relative error vs ggml's arithmetic %.3g, "
                            "max |error| vs exact %.3g (max |y| %.3g)\n",
                            level_name(pw.level), format_name(format), (long long) k, (long long) n, (long long) m, nth, worst,
                            worst_exact, scale);
            }
            if (m * n <= (1 << 20)) check_stage(pw, x, m, y, nth, queue); // the larger products add only time
        }
    }
}

// One random weight of K x N, packed once, against each row count on the kernel of each level.
void check_shape(weight_format format, const std::vector<isa_level> & levels, int64_t k, int64_t n,
                 std::initializer_list<int64_t> row_counts) {
    const weight_case w = random_weight(format, k, n);
    std::vector<uint8_t> packed = w.bytes;
    pack_in_place(format, packed.data(), k, n);
    std::vector<packed_weight> pws;
    for (isa_level level : levels) pws.push_back(packed_weight{format, k, n, packed.data(), level});
    for (int64_t m : row_counts) check_rows(format, w, pws, m);
}

void checks_for(weight_format format, const std::vector<isa_level> & levels) {
    for (int64_t h : {128, 384, 768, 1024}) {
        check_shape(format, levels, h, h, {1, 3, 16, 128, 512});
        check_shape(format, levels, h, 4 * h, {1, 3, 16, 128, 512});
        check_shape(format, levels, 4 * h, h, {1, 3, 16, 128, 512});
    }
    // Odd shapes: K a multiple of 32 but not of 256 (nor of the K cache block), N not a multiple of 16 or 32, M = 1, 3.
    check_shape(format, levels, 96, 37, {1, 3, 7, 200});
    check_shape(format, levels, 1056, 49, {1, 3, 7, 200});
    check_shape(format, levels, 160, 16, {1, 3, 7, 200});
    check_shape(format, levels, 2080, 250, {1, 3, 7, 200});
    if (format != weight_format::q8_0) check_shape(format, levels, 34, 33, {5}); // K not a multiple of 32
    if (format == weight_format::f32 || format == weight_format::f16) check_shape(format, levels, 33, 17, {2}); // any K
}

void bench(weight_format format, isa_level level, int64_t k, int64_t n, int64_t m, int nth) {
    weight_case w = random_weight(format, k, n);
    pack_in_place(format, w.bytes.data(), k, n);
    const packed_weight pw{format, k, n, w.bytes.data(), level};
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
    std::printf("%-6s %-5s K=%lld N=%lld M=%lld threads=%d: %.1f GFLOP/s\n", level_name(level), format_name(format), (long long) k,
                (long long) n, (long long) m, nth, 2.0 * k * n * m * reps / seconds / 1e9);
}

} // namespace

int main(int argc, char ** argv) {
    const bool bench_mode = argc > 1 && std::string(argv[1]) == "--bench";
    int available = 0;
    for (weight_format f : {weight_format::q8_0, weight_format::bf16, weight_format::f32, weight_format::f16}) {
        std::vector<isa_level> levels; // the kernels of f this CPU runs
        for (isa_level level : {isa_level::avx512, isa_level::avx2}) {
            if (kernel_level(f, level) == level) {
                levels.push_back(level);
            } else {
                std::printf("%s %s: no such kernel on this CPU, skipped\n", level_name(level), format_name(f));
            }
        }
        if (levels.empty()) continue;
        ++available;
        if (bench_mode) {
            for (isa_level level : levels) {
                for (int nth : {1, 2}) bench(f, level, 768, 3072, 128, nth);
            }
        } else {
            checks_for(f, levels); // the references once for every level
        }
    }
    for (isa_level level : {isa_level::avx512, isa_level::avx2}) {
        if (bench_mode || kernel_level(weight_format::f32, level) != level) continue;
        check_gelu(level);
        // The attention shapes (QK^T and probabilities x V at T = 16 and 128, c2p/p2c with W = 2T) and odd ones.
        for (auto [m, n, k] : {std::array<int64_t, 3>{16, 16, 32}, {128, 128, 64}, {128, 256, 64}, {128, 64, 128}, {1, 1, 1},
                               {3, 7, 64}, {7, 37, 33}, {200, 50, 512}, {5, 33, 1}, {13, 14, 64}}) {
            check_activation_product(m, n, k, level);
        }
    }
    if (available == 0) return 77;
    if (!bench_mode) std::printf("%d checks, %d failed\n", checks, failures);
    return failures == 0 ? 0 : 1;
}
