#include "weight_products.h"

#include "deberta.h"
#include "errors.h"
#include "model.h"
#include "platform.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

namespace deberta {

namespace {

const char * const kernels_env = "DEBERTA_KERNELS";

bool format_of(ggml_type type, kernels::weight_format & format) {
    switch (type) {
        case GGML_TYPE_F32: format = kernels::weight_format::f32; return true;
        case GGML_TYPE_F16: format = kernels::weight_format::f16; return true;
        case GGML_TYPE_BF16: format = kernels::weight_format::bf16; return true;
        case GGML_TYPE_Q8_0: format = kernels::weight_format::q8_0; return true;
        default: return false;
    }
}

// What one of our nodes keeps in its op_params after ggml's {fun, n_tasks, userdata} (24 bytes): its work queue (one
// per graph node, as long-lived as the graph, zeroed with the node), whether GELU follows the bias (weight products),
// and the kernels' level (activation products, GELU; a weight has its own).
struct product_params {
    kernels::work_queue queue;
    int32_t gelu_erf;
    kernels::isa_level level;
};
constexpr size_t params_offset = 32;
static_assert(params_offset + sizeof(product_params) <= sizeof(ggml_tensor::op_params), "the parameters fit op_params");

product_params & params_of(ggml_tensor * node) {
    return *reinterpret_cast<product_params *>(reinterpret_cast<char *>(node->op_params) + params_offset);
}

kernels::isa_level level_of(ggml_tensor * node) { return params_of(node).level; }

// ggml calls this once on each of its nth threads. src: rows, the weight, the bias (optional).
void packed_product(ggml_tensor * dst, int ith, int nth, void * userdata) {
    (void) ith;
    const auto * w = static_cast<const kernels::packed_weight *>(userdata);
    const ggml_tensor * rows = dst->src[0];
    product_params & params = params_of(dst);
    const kernels::output_stage stage{dst->src[2] ? (const float *) dst->src[2]->data : nullptr, params.gelu_erf != 0};
    kernels::packed_matmul(*w, (const float *) rows->data, (int64_t) (rows->nb[1] / sizeof(float)), rows->ne[1], (float *) dst->data,
                           (int64_t) (dst->nb[1] / sizeof(float)), stage, nth, params.queue);
}

// dst[n, m, i2, i3] = sum_k a[k, n, i2, i3 or 0] b[k, m, i2, i3]: pieces of (head and sequence, column unit).
void activation_product_op(ggml_tensor * dst, int ith, int nth, void *) {
    (void) ith;
    const ggml_tensor * a = dst->src[0];
    const ggml_tensor * b = dst->src[1];
    const int64_t n = a->ne[1], m = b->ne[1], k = a->ne[0];
    const int64_t units = (n + kernels::unit_columns - 1) / kernels::unit_columns, batches = b->ne[2] * b->ne[3];
    kernels::work_queue & queue = params_of(dst).queue;
    for (int64_t piece; (piece = kernels::take_piece(queue, batches * units)) >= 0;) {
        const int64_t batch = piece / units, n0 = piece % units * kernels::unit_columns;
        const int64_t i2 = batch % b->ne[2], i3 = batch / b->ne[2];
        const char * a_rows = (const char *) a->data + i2 * a->nb[2] + (a->ne[3] == 1 ? 0 : i3 * a->nb[3]) + n0 * a->nb[1];
        const char * b_rows = (const char *) b->data + i2 * b->nb[2] + i3 * b->nb[3];
        char * y = (char *) dst->data + i2 * dst->nb[2] + i3 * dst->nb[3] + n0 * sizeof(float);
        kernels::activation_product((const float *) a_rows, (int64_t) (a->nb[1] / sizeof(float)), std::min(kernels::unit_columns, n - n0),
                                    (const float *) b_rows, (int64_t) (b->nb[1] / sizeof(float)), m, k, (float *) y,
                                    (int64_t) (dst->nb[1] / sizeof(float)), level_of(dst));
    }
    kernels::leave_queue(queue, nth);
}

// GELU on a contiguous tensor, the elements split evenly over the nth threads (an elementwise op needs no queue).
void gelu_erf_op(ggml_tensor * dst, int ith, int nth, void *) {
    const int64_t n = ggml_nelements(dst), per_thread = (n + nth - 1) / nth;
    const int64_t first = std::min(n, ith * per_thread), count = std::min(n - first, per_thread);
    if (count > 0) kernels::gelu_erf((const float *) dst->src[0]->data + first, (float *) dst->data + first, count, level_of(dst));
}

} // namespace

kernels::isa_level kernels_cap() {
    const char * value = std::getenv(kernels_env);
    if (!value || !*value || std::strcmp(value, "auto") == 0) return kernels::isa_level::avx512;
    if (std::strcmp(value, "avx2") == 0) return kernels::isa_level::avx2;
    if (std::strcmp(value, "ggml") == 0) return kernels::isa_level::none;
    fail(DEBERTA_STATUS_INVALID_ARGUMENT, std::string(kernels_env) + "='" + value + "' is not a choice; use auto, avx2 or ggml");
}

bool packed_weights::add(ggml_tensor * weight, kernels::isa_level cap, bool writable_host_memory, bool in_file_mapping) {
    if (!weight) return false;
    if (by_tensor_.count(weight)) return true; // an alias packed already
    kernels::weight_format format;
    if (!writable_host_memory || !format_of(weight->type, format)) return false;
    const kernels::isa_level level = kernels::kernel_level(format, cap);
    if (level == kernels::isa_level::none) return false;
    const int64_t k = weight->ne[0], n = weight->ne[1];
    if (weight->ne[2] != 1 || weight->ne[3] != 1 || !kernels::shape_supported(format, k, n)) return false;
    if (weight->nb[1] * (size_t) n != kernels::weight_bytes(format, k, n)) return false; // not plain rows
    by_tensor_.emplace(weight, kernels::packed_weight{format, k, n, weight->data, level});
    if (in_file_mapping) relocated_.insert(weight);
    return true;
}

void packed_weights::pack_all(int threads) {
    // Each weight with where its packed bytes go: memory of its own (relocated) or its own place (nullptr).
    constexpr size_t alignment = 64;
    const auto bytes_of = [](const kernels::packed_weight & w) { return kernels::weight_bytes(w.format, w.k, w.n); };
    const auto padded_bytes_of = [&](const kernels::packed_weight & w) { return (bytes_of(w) + alignment - 1) / alignment * alignment; };
    size_t relocated_bytes = 0;
    for (const ggml_tensor * t : relocated_) relocated_bytes += padded_bytes_of(by_tensor_.at(t));
    if (relocated_bytes > 0) memory_ = host_pages::allocate(relocated_bytes); // refused: every weight in place
    std::vector<std::pair<kernels::packed_weight *, uint8_t *>> todo;
    size_t offset = 0;
    for (auto & [tensor, w] : by_tensor_) {
        uint8_t * destination = nullptr;
        if (memory_ && relocated_.count(tensor)) {
            destination = memory_->data() + offset;
            offset += padded_bytes_of(w);
        }
        todo.emplace_back(&w, destination);
    }
    std::atomic<size_t> next{0};
    std::exception_ptr failure;
    std::mutex failure_lock;
    const auto work = [&] {
        try {
            for (size_t i; (i = next++) < todo.size();) {
                kernels::packed_weight & w = *todo[i].first;
                void * plain = const_cast<void *>(w.data);
                if (uint8_t * destination = todo[i].second) {
                    kernels::pack_to(w.format, plain, destination, w.k, w.n);
                    release_clean_pages(plain, bytes_of(w));
                    w.data = destination;
                } else {
                    kernels::pack_in_place(w.format, plain, w.k, w.n);
                }
            }
        } catch (...) { // no exception may leave a thread; the first one is the load's error
            std::lock_guard<std::mutex> guard(failure_lock);
            if (!failure) failure = std::current_exception();
            next = todo.size();
        }
    };
    std::vector<std::thread> helpers;
    try {
        for (int t = 1; t < std::min<int>(threads, (int) todo.size()); ++t) helpers.emplace_back(work);
    } catch (const std::system_error &) {
        // fewer threads than asked: the ones running (and this one) share the rest
    }
    work();
    for (std::thread & helper : helpers) helper.join();
    if (failure) std::rethrow_exception(failure);
}

void pack_weights(deberta_model & m) {
    const kernels::isa_level cap = kernels_cap();
    if (cap == kernels::isa_level::none || ggml_backend_dev_type(m.device) != GGML_BACKEND_DEVICE_TYPE_CPU) return;
    m.packed.own_ops_level = kernels::kernel_level(kernels::weight_format::f32, cap);
    // The device's plain buffers and the (private, writable) file mapping hold the plain ggml layout; ggml's
    // repacking buffer holds its own.
    const ggml_backend_buffer_type_t plain = ggml_backend_dev_buffer_type(m.device);
    for (const layer_weights & l : m.w.layers) {
        for (ggml_tensor * t : {l.q_w, l.k_w, l.v_w, l.attn_out_w, l.ffn_up_w, l.ffn_down_w}) {
            const bool mapped = t && t->buffer && t->buffer == m.mapping_buffer;
            const bool writable = t && t->buffer && ggml_backend_buffer_is_host(t->buffer) &&
                                  (mapped || ggml_backend_buffer_get_type(t->buffer) == plain);
            m.packed.add(t, cap, writable, mapped);
        }
    }
    m.packed.pack_all(physical_core_count());
}

ggml_tensor * weight_product(ggml_context * ctx, const packed_weights & packed, ggml_tensor * weight, ggml_tensor * rows,
                             ggml_tensor * bias, bool gelu_erf) {
    const kernels::packed_weight * w = packed.find(weight);
    const bool own = w && rows->type == GGML_TYPE_F32 && rows->nb[0] == sizeof(float) && rows->ne[2] == 1 && rows->ne[3] == 1 &&
                     (!bias || (bias->type == GGML_TYPE_F32 && ggml_nelements(bias) == w->n && ggml_is_contiguous(bias)));
    if (!own) {
        ggml_tensor * y = ggml_mul_mat(ctx, weight, rows);
        if (bias) y = ggml_add(ctx, y, bias);
        return gelu_erf ? gelu_erf_node(ctx, packed, y) : y;
    }
    ggml_tensor * args[] = {rows, weight, bias}; // the weight: an edge for the scheduler, read through userdata
    ggml_tensor * product = ggml_custom_4d(ctx, GGML_TYPE_F32, w->n, rows->ne[1], 1, 1, args, bias ? 3 : 2, packed_product,
                                           GGML_N_TASKS_MAX, const_cast<kernels::packed_weight *>(w));
    params_of(product) = product_params{kernels::work_queue{}, gelu_erf ? 1 : 0, w->level};
    return product;
}

ggml_tensor * activation_product(ggml_context * ctx, const packed_weights & packed, ggml_tensor * a, ggml_tensor * b) {
    const auto rows_of_floats = [](const ggml_tensor * t) { return t->type == GGML_TYPE_F32 && t->nb[0] == sizeof(float); };
    const bool own = packed.own_ops_level != kernels::isa_level::none && rows_of_floats(a) && rows_of_floats(b) && a->ne[0] == b->ne[0] && a->ne[2] == b->ne[2] &&
                     (a->ne[3] == b->ne[3] || a->ne[3] == 1);
    if (!own) return ggml_mul_mat(ctx, a, b);
    ggml_tensor * args[] = {a, b};
    ggml_tensor * product = ggml_custom_4d(ctx, GGML_TYPE_F32, a->ne[1], b->ne[1], b->ne[2], b->ne[3], args, 2, activation_product_op,
                                           GGML_N_TASKS_MAX, nullptr);
    params_of(product) = product_params{kernels::work_queue{}, 0, packed.own_ops_level};
    return product;
}

ggml_tensor * gelu_erf_node(ggml_context * ctx, const packed_weights & packed, ggml_tensor * x) {
    if (packed.own_ops_level == kernels::isa_level::none || x->type != GGML_TYPE_F32 || !ggml_is_contiguous(x)) return ggml_gelu_erf(ctx, x);
    ggml_tensor * args[] = {x};
    ggml_tensor * y = ggml_custom_4d(ctx, GGML_TYPE_F32, x->ne[0], x->ne[1], x->ne[2], x->ne[3], args, 1, gelu_erf_op, GGML_N_TASKS_MAX, nullptr);
    params_of(y) = product_params{kernels::work_queue{}, 0, packed.own_ops_level};
    return y;
}

} // namespace deberta
