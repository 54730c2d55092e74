#include "weight_products.h"

#include "deberta.h"
#include "errors.h"
#include "model.h"

#include <cstdlib>
#include <cstring>

namespace deberta {

namespace {

const char * const kernels_env = "DEBERTA_KERNELS";

bool format_of(ggml_type type, kernels::weight_format & format) {
    switch (type) {
        case GGML_TYPE_F32: format = kernels::weight_format::f32; return true;
        case GGML_TYPE_BF16: format = kernels::weight_format::bf16; return true;
        case GGML_TYPE_Q8_0: format = kernels::weight_format::q8_0; return true;
        default: return false;
    }
}

// The node's work queue lives in its op_params after ggml's {fun, n_tasks, userdata} (24 bytes): one per graph node,
// as long-lived as the graph, zeroed with the node.
constexpr size_t queue_offset = 32;
static_assert(queue_offset + sizeof(kernels::work_queue) <= sizeof(ggml_tensor::op_params), "the queue fits op_params");

kernels::work_queue & queue_of(ggml_tensor * node) {
    return *reinterpret_cast<kernels::work_queue *>(reinterpret_cast<char *>(node->op_params) + queue_offset);
}

// ggml calls this once on each of its nth threads.
void packed_product(ggml_tensor * dst, int ith, int nth, void * userdata) {
    (void) ith;
    const auto * w = static_cast<const kernels::packed_weight *>(userdata);
    const ggml_tensor * rows = dst->src[0];
    kernels::packed_matmul(*w, (const float *) rows->data, (int64_t) (rows->nb[1] / sizeof(float)), rows->ne[1], (float *) dst->data,
                           (int64_t) (dst->nb[1] / sizeof(float)), nth, queue_of(dst));
}

} // namespace

bool own_kernels_allowed() {
    const char * value = std::getenv(kernels_env);
    if (!value || !*value || std::strcmp(value, "auto") == 0) return true;
    if (std::strcmp(value, "ggml") == 0) return false;
    fail(DEBERTA_STATUS_INVALID_ARGUMENT, std::string(kernels_env) + "='" + value + "' is not a choice; use auto or ggml");
}

bool packed_weights::pack(ggml_tensor * weight, bool writable_host_memory) {
    if (!weight) return false;
    if (by_tensor_.count(weight)) return true; // an alias packed already
    kernels::weight_format format;
    if (!writable_host_memory || !format_of(weight->type, format) || !kernels::cpu_supports(format)) return false;
    const int64_t k = weight->ne[0], n = weight->ne[1];
    if (weight->ne[2] != 1 || weight->ne[3] != 1 || !kernels::shape_supported(format, k, n)) return false;
    if (weight->nb[1] * (size_t) n != kernels::weight_bytes(format, k, n)) return false; // not plain rows
    kernels::pack_in_place(format, weight->data, k, n);
    by_tensor_.emplace(weight, kernels::packed_weight{format, k, n, weight->data});
    return true;
}

void pack_weights(deberta_model & m) {
    if (!own_kernels_allowed() || ggml_backend_dev_type(m.device) != GGML_BACKEND_DEVICE_TYPE_CPU) return;
    // The device's plain buffers and the (private, writable) file mapping hold the plain ggml layout; ggml's
    // repacking buffer holds its own.
    const ggml_backend_buffer_type_t plain = ggml_backend_dev_buffer_type(m.device);
    for (const layer_weights & l : m.w.layers) {
        for (ggml_tensor * t : {l.q_w, l.k_w, l.v_w, l.attn_out_w, l.ffn_up_w, l.ffn_down_w}) {
            const bool writable = t && t->buffer && ggml_backend_buffer_is_host(t->buffer) &&
                                  (t->buffer == m.mapping_buffer || ggml_backend_buffer_get_type(t->buffer) == plain);
            m.packed.pack(t, writable);
        }
    }
}

ggml_tensor * weight_product(ggml_context * ctx, const packed_weights & packed, ggml_tensor * weight, ggml_tensor * rows) {
    const kernels::packed_weight * w = packed.find(weight);
    if (!w || rows->type != GGML_TYPE_F32 || rows->nb[0] != sizeof(float) || rows->ne[2] != 1 || rows->ne[3] != 1) {
        return ggml_mul_mat(ctx, weight, rows);
    }
    ggml_tensor * args[] = {rows, weight}; // the weight: an edge for the scheduler, read through userdata
    ggml_tensor * product = ggml_custom_4d(ctx, GGML_TYPE_F32, w->n, rows->ne[1], 1, 1, args, 2, packed_product,
                                           GGML_N_TASKS_MAX, const_cast<kernels::packed_weight *>(w));
    queue_of(product) = kernels::work_queue{};
    return product;
}

} // namespace deberta
