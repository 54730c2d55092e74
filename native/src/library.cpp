// Library-level entry points: ABI check, versions, devices, layout table, self-test, tensor types.
#include "deberta.h"
#include "arch.h"
#include "errors.h"
#include "ggml_decls.h"
#include "ggml_runtime.h"
#include "weight_products.h"

#include <atomic>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

namespace deberta {

namespace {

// The ggml build we were written against (npm @node-llama-cpp/<platform>@3.21.1, llama.cpp release v0.4.0).
constexpr const char * kExpectedGgmlVersion = "0.23.0";
constexpr const char * kExpectedGgmlCommit = "5b4ebc5";
constexpr size_t kExpectedTensorOverhead = 368;

std::once_flag g_init_once;
deberta_status g_init_status = DEBERTA_STATUS_OK;
std::string g_init_error;
std::string g_cpu_features;
// How often ggml's abort callback fired: the last resort that no validated input should reach.
std::atomic<int64_t> g_ggml_aborts{0};

void forward_ggml_log(ggml_log_level level, const char * text, void *) {
    if (!text || level == GGML_LOG_LEVEL_NONE) return;
    std::string line(text);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    if (line.empty()) return;
    deberta_log_level ours = level >= GGML_LOG_LEVEL_ERROR  ? DEBERTA_LOG_ERROR
                             : level == GGML_LOG_LEVEL_WARN ? DEBERTA_LOG_WARN
                             : level == GGML_LOG_LEVEL_INFO ? DEBERTA_LOG_INFO
                                                            : DEBERTA_LOG_DEBUG;
    log(ours, "ggml: " + line);
}

// ggml calls abort() after this returns; throwing unwinds to the guarded() boundary instead. Works
// on the thread that called into ggml only, hence every input is validated first.
void throw_on_ggml_abort(const char * message) {
    g_ggml_aborts.fetch_add(1);
    throw Error(DEBERTA_STATUS_INTERNAL_ERROR, std::string("ggml aborted: ") + (message ? message : ""));
}

void check_abi() {
    std::string version = ggml_version() ? ggml_version() : "";
    std::string commit = ggml_commit() ? ggml_commit() : "";
    size_t overhead = ggml_tensor_overhead();
    if (version != kExpectedGgmlVersion || commit.rfind(kExpectedGgmlCommit, 0) != 0 ||
        overhead != kExpectedTensorOverhead) {
        fail(DEBERTA_STATUS_ABI_MISMATCH,
             std::string("ggml ABI mismatch: expected version ") + kExpectedGgmlVersion + ", commit " +
                 kExpectedGgmlCommit + ", tensor overhead " + std::to_string(kExpectedTensorOverhead) +
                 "; found version " + version + ", commit " + commit + ", tensor overhead " +
                 std::to_string(overhead));
    }
    const ggml_type_traits * q8 = ggml_get_type_traits(GGML_TYPE_Q8_0);
    if (!q8 || !q8->type_name || std::strcmp(q8->type_name, "q8_0") != 0 || q8->blck_size != 32 ||
        q8->type_size != 34 || !q8->to_float) {
        fail(DEBERTA_STATUS_ABI_MISMATCH, "ggml ABI mismatch: ggml_type_traits layout differs from ours");
    }
    // The format table sizes tensors without ggml; it must say what this ggml says.
    for (size_t i = 0; i < arch::type_count; ++i) {
        const arch::tensor_type & t = arch::types[i];
        const ggml_type_traits * g = ggml_get_type_traits(static_cast<ggml_type>(t.type));
        if (!g || !g->type_name || std::strcmp(g->type_name, t.name) != 0 || g->blck_size != t.block_size ||
            g->type_size != t.block_bytes) {
            fail(DEBERTA_STATUS_ABI_MISMATCH, std::string("ggml ABI mismatch: type ") + t.name + " differs from the format table");
        }
    }
}

// The CPU backend is loaded after the core check; its own traits table is checked once it is there.
void check_cpu_abi() {
    const ggml_type_traits_cpu * q8_cpu = runtime().cpu.type_traits(GGML_TYPE_Q8_0);
    if (!q8_cpu || !q8_cpu->from_float || q8_cpu->vec_dot_type != GGML_TYPE_Q8_0) {
        fail(DEBERTA_STATUS_ABI_MISMATCH, "ggml ABI mismatch: ggml_type_traits_cpu layout differs from ours");
    }
}

void initialize() {
    try {
        check_abi();
        ggml_log_set(forward_ggml_log, nullptr);
        ggml_set_abort_callback(throw_on_ggml_abort);
        load_ggml_runtime();
        check_cpu_abi();
        for (const auto & [name, value] : runtime().cpu.features)
            g_cpu_features += (g_cpu_features.empty() ? "" : " ") + (value == "1" ? name : name + "=" + value);
        log(DEBERTA_LOG_INFO, "ggml " + std::string(ggml_version()) + " (" + ggml_commit() + ") from " +
                                  runtime().dir + ", CPU variant " + runtime().cpu.variant + " (" +
                                  runtime().cpu.reason + "): " + g_cpu_features);
    } catch (const Error & e) {
        g_init_status = e.status();
        g_init_error = e.what();
    }
}

const ggml_type_traits * supported_type(int32_t type) {
    return arch::find_type(type) ? ggml_get_type_traits(static_cast<ggml_type>(type)) : nullptr;
}

ggml_backend_dev_t device_at(int32_t index) {
    if (index < 0 || static_cast<size_t>(index) >= ggml_backend_dev_count()) return nullptr;
    return ggml_backend_dev_get(static_cast<size_t>(index));
}

}  // namespace

void ensure_initialized() {
    std::call_once(g_init_once, initialize);
    if (g_init_status != DEBERTA_STATUS_OK) fail(g_init_status, g_init_error);
}

}  // namespace deberta

using namespace deberta;

extern "C" {

const char * deberta_version(void) { return "0.1.0"; }

deberta_status deberta_init(void) {
    return guarded([] { ensure_initialized(); });
}

const char * deberta_ggml_version(void) { return ggml_version(); }
const char * deberta_ggml_commit(void) { return ggml_commit(); }

const char * deberta_cpu_variant(void) {
    if (deberta_init() != DEBERTA_STATUS_OK) return "unknown";
    return runtime().cpu.variant.c_str();
}

const char * deberta_cpu_variant_reason(void) {
    if (deberta_init() != DEBERTA_STATUS_OK) return "";
    return runtime().cpu.reason.c_str();
}

const char * deberta_cpu_features(void) {
    if (deberta_init() != DEBERTA_STATUS_OK) return "";
    return g_cpu_features.c_str();
}

int32_t deberta_device_count(void) {
    if (deberta_init() != DEBERTA_STATUS_OK) return 0;
    return static_cast<int32_t>(ggml_backend_dev_count());
}

const char * deberta_device_name(int32_t index) {
    if (deberta_init() != DEBERTA_STATUS_OK) return nullptr;
    ggml_backend_dev_t dev = device_at(index);
    return dev ? ggml_backend_dev_name(dev) : nullptr;
}

const char * deberta_device_description(int32_t index) {
    if (deberta_init() != DEBERTA_STATUS_OK) return nullptr;
    ggml_backend_dev_t dev = device_at(index);
    return dev ? ggml_backend_dev_description(dev) : nullptr;
}

deberta_status deberta_device_memory(int32_t index, uint64_t * free_bytes, uint64_t * total_bytes) {
    return guarded([&] {
        ensure_initialized();
        DEBERTA_CHECK_ARG(free_bytes && total_bytes, "free_bytes and total_bytes must not be NULL");
        ggml_backend_dev_t dev = device_at(index);
        DEBERTA_CHECK_ARG(dev != nullptr, "device index " + std::to_string(index) + " is out of range");
        size_t free = 0, total = 0;
        ggml_backend_dev_memory(dev, &free, &total);
        *free_bytes = free;
        *total_bytes = total;
    });
}

int64_t deberta_abi_layout(const char * name) {
    if (!name) return -1;
#define STRUCT(s) {#s, sizeof(s)},
#define FIELD(s, f) {#s "." #f, offsetof(s, f)},
    static const struct { const char * name; size_t value; } table[] = {
        STRUCT(deberta_model_params)
        FIELD(deberta_model_params, device)
        FIELD(deberta_model_params, use_mmap)
        STRUCT(deberta_model_info)
        FIELD(deberta_model_info, head)
        FIELD(deberta_model_info, vocab_size)
        FIELD(deberta_model_info, hidden_size)
        FIELD(deberta_model_info, embedding_size)
        FIELD(deberta_model_info, num_hidden_layers)
        FIELD(deberta_model_info, num_attention_heads)
        FIELD(deberta_model_info, intermediate_size)
        FIELD(deberta_model_info, max_position_embeddings)
        FIELD(deberta_model_info, type_vocab_size)
        FIELD(deberta_model_info, num_labels)
        FIELD(deberta_model_info, relative_attention)
        FIELD(deberta_model_info, position_buckets)
        FIELD(deberta_model_info, max_relative_positions)
        FIELD(deberta_model_info, position_biased_input)
        FIELD(deberta_model_info, max_sequence_length)
        FIELD(deberta_model_info, layer_norm_eps)
        STRUCT(deberta_context_params)
        FIELD(deberta_context_params, n_threads)
        FIELD(deberta_context_params, max_batch)
        FIELD(deberta_context_params, max_tokens)
        STRUCT(deberta_batch)
        FIELD(deberta_batch, input_ids)
        FIELD(deberta_batch, attention_mask)
        FIELD(deberta_batch, token_type_ids)
        FIELD(deberta_batch, n_batch)
        FIELD(deberta_batch, n_choices)
        FIELD(deberta_batch, n_tokens)
        STRUCT(deberta_outputs)
        FIELD(deberta_outputs, last_hidden_state)
        FIELD(deberta_outputs, last_hidden_state_size)
        FIELD(deberta_outputs, hidden_states)
        FIELD(deberta_outputs, hidden_states_size)
        FIELD(deberta_outputs, logits)
        FIELD(deberta_outputs, logits_size)
        FIELD(deberta_outputs, start_logits)
        FIELD(deberta_outputs, start_logits_size)
        FIELD(deberta_outputs, end_logits)
        FIELD(deberta_outputs, end_logits_size)
    };
#undef STRUCT
#undef FIELD
    for (const auto & entry : table)
        if (std::strcmp(entry.name, name) == 0) return static_cast<int64_t>(entry.value);
    return -1;
}

deberta_status deberta_selftest_matmul(const float * a, const float * b, float * out, int32_t m, int32_t n,
                                       int32_t k, int32_t n_threads) {
    return guarded([&] {
        ensure_initialized();
        DEBERTA_CHECK_ARG(a && b && out, "a, b and out must not be NULL");
        DEBERTA_CHECK_ARG(m > 0 && n > 0 && k > 0 && m <= selftest_max_dim && n <= selftest_max_dim && k <= selftest_max_dim,
                          "m, n and k must be in 1.." + std::to_string(selftest_max_dim));
        DEBERTA_CHECK_ARG(n_threads > 0 && n_threads <= selftest_max_threads,
                          "n_threads must be in 1.." + std::to_string(selftest_max_threads));

        // b is the weight: out[i][j] = a_i . b_j, row-major, through ggml's mul_mat.
        selftest_product(DEBERTA_TYPE_F32, b, sizeof(float) * size_t(n) * size_t(k), a, out, m, n, k, n_threads,
                         kernels::isa_level::none);
    });
}

const char * deberta_type_name(int32_t type) {
    const arch::tensor_type * t = arch::find_type(type);
    return t ? t->name : nullptr;
}

int32_t deberta_type_file_type(int32_t type) {
    const arch::tensor_type * t = arch::find_type(type);
    return t ? t->file_type : -1;
}

int64_t deberta_type_block_size(int32_t type) {
    const arch::tensor_type * t = arch::find_type(type);
    return t ? t->block_size : 0;
}

size_t deberta_type_row_size(int32_t type, int64_t n_per_row) {
    const arch::tensor_type * t = arch::find_type(type);
    if (!t || n_per_row <= 0 || n_per_row % t->block_size != 0) return 0;
    return t->block_bytes * static_cast<size_t>(n_per_row / t->block_size);
}

deberta_status deberta_quantize(int32_t type, const float * src, void * dst, int64_t n_rows, int64_t n_per_row,
                                size_t dst_size, size_t * written) {
    return guarded([&] {
        ensure_initialized();
        if (written) *written = 0;
        DEBERTA_CHECK_ARG(supported_type(type) != nullptr, "unsupported tensor type " + std::to_string(type));
        DEBERTA_CHECK_ARG(src && dst, "src and dst must not be NULL");
        DEBERTA_CHECK_ARG(n_rows > 0 && n_per_row > 0, "n_rows and n_per_row must be positive");
        size_t row_size = deberta_type_row_size(type, n_per_row);
        DEBERTA_CHECK_ARG(row_size != 0, std::string("row length ") + std::to_string(n_per_row) +
                                             " is not a multiple of the block size of " + deberta_type_name(type));
        DEBERTA_CHECK_ARG(static_cast<size_t>(n_rows) <= dst_size / row_size,
                          "dst holds " + std::to_string(dst_size) + " bytes, " +
                              std::to_string(row_size * static_cast<size_t>(n_rows)) + " needed");
        // The CPU backend's row quantizer is ggml's own too, vectorized where the reference one is scalar
        // (Q8_0, F16, BF16); without one, the reference path.
        const ggml_type_traits_cpu * cpu = runtime().cpu.type_traits(static_cast<ggml_type>(type));
        if (type != DEBERTA_TYPE_F32 && cpu && cpu->from_float) {
            for (int64_t r = 0; r < n_rows; ++r) {
                cpu->from_float(src + r * n_per_row, static_cast<char *>(dst) + r * row_size, n_per_row);
            }
            if (written) *written = row_size * static_cast<size_t>(n_rows);
        } else {
            size_t n = ggml_quantize_chunk(static_cast<ggml_type>(type), src, dst, 0, n_rows, n_per_row, nullptr);
            if (written) *written = n;
        }
    });
}

deberta_status deberta_dequantize(int32_t type, const void * src, size_t src_size, float * dst, int64_t n) {
    return guarded([&] {
        ensure_initialized();
        const ggml_type_traits * traits = supported_type(type);
        DEBERTA_CHECK_ARG(traits != nullptr, "unsupported tensor type " + std::to_string(type));
        DEBERTA_CHECK_ARG(src && dst, "src and dst must not be NULL");
        DEBERTA_CHECK_ARG(n > 0 && n % traits->blck_size == 0, "n must be a positive multiple of the block size");
        size_t needed = traits->type_size * static_cast<size_t>(n / traits->blck_size);
        DEBERTA_CHECK_ARG(src_size >= needed,
                          "src holds " + std::to_string(src_size) + " bytes, " + std::to_string(needed) + " needed");
        if (type == DEBERTA_TYPE_F32) {
            std::memcpy(dst, src, needed);
        } else {
            require(traits->to_float != nullptr, DEBERTA_STATUS_UNSUPPORTED, "no dequantizer for this type");
            traits->to_float(src, dst, n);
        }
    });
}

}  // extern "C"

// Times ggml's abort callback fired in this process (read by tests: a rejected input must never reach it).
extern "C" DEBERTA_API int64_t deberta_testing_ggml_aborts(void) { return g_ggml_aborts.load(); }
