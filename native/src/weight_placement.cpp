#include "weight_placement.h"

#include "deberta.h"
#include "device_choice.h"
#include "ggml_runtime.h"
#include "platform.h"

#include <cstdio>
#include <string>

namespace deberta {

namespace {

// The CPU backend's repacking buffer type, if this ggml has one.
ggml_backend_buffer_type_t repack_buffer_type(ggml_backend_dev_t dev) {
    auto get_extra = (ggml_backend_dev_get_extra_bufts_t) ggml_backend_reg_get_proc_address(
        ggml_backend_dev_backend_reg(dev), "ggml_backend_dev_get_extra_bufts");
    if (!get_extra) return nullptr;
    for (ggml_backend_buffer_type_t * b = get_extra(dev); b && *b; ++b) {
        if (std::string(ggml_backend_buft_name(*b)) == "CPU_REPACK") return *b;
    }
    return nullptr;
}

// Whether ggml can multiply by weight (shape and type) when it lives in buft: asks the device about a sample
// product whose weight claims a (zero-sized) buffer of that type, which is how ggml routes the kernel.
bool supports_weight_in(ggml_backend_dev_t dev, ggml_backend_buffer_type_t buft, const ggml_tensor * weight) {
    ggml_init_params params{ggml_tensor_overhead() * 3, nullptr, true};
    ggml_context * ctx = ggml_init(params);
    ggml_backend_buffer_t probe = ggml_backend_buft_alloc_buffer(buft, 0);
    bool ok = false;
    if (ctx && probe) {
        ggml_tensor * w = ggml_new_tensor_2d(ctx, weight->type, weight->ne[0], weight->ne[1]);
        ggml_tensor * x = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, weight->ne[0], 8);
        w->buffer = probe;
        ok = ggml_backend_dev_supports_op(dev, ggml_mul_mat(ctx, w, x));
    }
    if (probe) ggml_backend_buffer_free(probe);
    if (ctx) ggml_free(ctx);
    return ok;
}

} // namespace

// Puts the quantized layer projections into the CPU backend's repacking buffer, where ggml stores them
// interleaved for its blocked quantized GEMM kernels (Q4_K has no other GEMM path; docs/BENCHMARKS.md finding 9).
// Only weights used solely as the first operand of mul_mat qualify; their bytes are copied (not mapped).
void place_repacked(deberta_model & m) {
    if (ggml_backend_dev_type(m.device) != GGML_BACKEND_DEVICE_TYPE_CPU) return;
    ggml_backend_buffer_type_t buft = repack_buffer_type(m.device);
    if (!buft) return;
    std::vector<ggml_tensor *> chosen;
    for (const layer_weights & l : m.w.layers) {
        for (ggml_tensor * t : {l.q_w, l.k_w, l.v_w, l.attn_out_w, l.ffn_up_w, l.ffn_down_w}) {
            if (t && ggml_is_quantized(t->type) && supports_weight_in(m.device, buft, t)) chosen.push_back(t);
        }
    }
    if (chosen.empty()) return;
    const size_t align = ggml_backend_buft_get_alignment(buft);
    auto padded = [align](size_t n) { return (n + align - 1) / align * align; };
    size_t total = 0;
    for (ggml_tensor * t : chosen) total += padded(ggml_backend_buft_get_alloc_size(buft, t));
    ggml_backend_buffer_t buffer = ggml_backend_buft_alloc_buffer(buft, total);
    require(buffer != nullptr, DEBERTA_STATUS_OUT_OF_MEMORY, "cannot allocate the repacked weights");
    m.buffers.push_back(buffer);
    ggml_backend_buffer_set_usage(buffer, GGML_BACKEND_BUFFER_USAGE_WEIGHTS);
    uint8_t * addr = (uint8_t *) ggml_backend_buffer_get_base(buffer);
    for (ggml_tensor * t : chosen) {
        require(ggml_backend_tensor_alloc(buffer, t, addr) == GGML_STATUS_SUCCESS, DEBERTA_STATUS_INTERNAL_ERROR,
                std::string("cannot place tensor '") + t->name + "' in the repacked weights");
        addr += padded(ggml_backend_buft_get_alloc_size(buft, t));
    }
}

// Places tensors straight into the file mapping where the bytes can be used as they are (CPU only).
void map_tensors(deberta_model & m, const gguf_file & file, const std::vector<bound_tensor> & bound) {
    // ggml's CPU buffers want aligned data; the mapping is page aligned.
    constexpr uint64_t cpu_buffer_alignment = 32;
    if (ggml_backend_dev_type(m.device) != GGML_BACKEND_DEVICE_TYPE_CPU || file.alignment() < cpu_buffer_alignment) return;
    m.mapping = mapped_file::open(file.stream(), file.file_size());
    if (!m.mapping) {
        log(DEBERTA_LOG_WARN, file.path() + ": cannot map the file, reading it instead");
        return;
    }
    uint8_t * base = m.mapping->data() + file.data_offset();
    ggml_backend_buffer_t buffer = ggml_backend_cpu_buffer_from_ptr(base, file.file_size() - file.data_offset());
    require(buffer != nullptr, DEBERTA_STATUS_OUT_OF_MEMORY, "cannot wrap the file mapping in a ggml buffer");
    m.buffers.push_back(buffer);
    m.mapping_buffer = buffer;
    ggml_backend_buffer_set_usage(buffer, GGML_BACKEND_BUFFER_USAGE_WEIGHTS);
    for (const auto & b : bound) {
        if ((int32_t) b.tensor->type != b.info->type) continue; // widened at load: needs its own memory
        if (b.tensor->buffer) continue;                          // repacked
        require(ggml_backend_tensor_alloc(buffer, b.tensor, base + b.info->offset) == GGML_STATUS_SUCCESS,
                DEBERTA_STATUS_INTERNAL_ERROR, "cannot place tensor '" + b.info->name + "' in the mapping");
    }
}

// ---- device placement: what a model on a GPU puts where, and the bytes it asks of the device ----
namespace {

// The weights not yet placed (in the device's buffer type, aligned as ggml allocates them) plus the position
// projections computed at load, so a GPU too small for the model is refused before anything is allocated.
size_t device_weights_bytes(const deberta_model & m, const std::vector<bound_tensor> & bound) {
    ggml_backend_buffer_type_t buft = ggml_backend_dev_buffer_type(m.device);
    const size_t align = ggml_backend_buft_get_alignment(buft);
    size_t total = 0;
    for (const auto & b : bound) {
        if (!b.tensor->data) total += (ggml_backend_buft_get_alloc_size(buft, b.tensor) + align - 1) / align * align;
    }
    const hparams & hp = m.hp;
    if (hp.relative_attention) {
        total += (size_t) hp.n_layers * ((hp.c2p ? 1 : 0) + (hp.p2c ? 1 : 0)) * (size_t) ggml_row_size(GGML_TYPE_F32, hp.hidden_size) *
                 (size_t) (2 * hp.att_span);
    }
    return total;
}

} // namespace

// A model on a GPU keeps its token embeddings in host memory, as llama.cpp does: only the looked-up rows travel to the
// device, the table (a third of deberta-v3-base) takes no GPU memory, and tables larger than a device's largest buffer
// (Vulkan's storage-buffer range) still load. A table tied to the masked-LM decoder stays on the device, where the
// decoder's product runs.
void place_host_embeddings(deberta_model & m) {
    if (ggml_backend_dev_type(m.device) == GGML_BACKEND_DEVICE_TYPE_CPU || m.w.mlm_out_w == m.w.tok_embd) return;
    ggml_backend_buffer_type_t buft = ggml_backend_dev_buffer_type(runtime().cpu.device);
    ggml_tensor * t = m.w.tok_embd;
    ggml_backend_buffer_t buffer = ggml_backend_buft_alloc_buffer(buft, ggml_backend_buft_get_alloc_size(buft, t));
    require(buffer != nullptr, DEBERTA_STATUS_OUT_OF_MEMORY, "cannot allocate host memory for the token embeddings");
    m.buffers.push_back(buffer);
    ggml_backend_buffer_set_usage(buffer, GGML_BACKEND_BUFFER_USAGE_WEIGHTS);
    require(ggml_backend_tensor_alloc(buffer, t, ggml_backend_buffer_get_base(buffer)) == GGML_STATUS_SUCCESS,
            DEBERTA_STATUS_INTERNAL_ERROR, "cannot place the token embeddings in host memory");
}

// ---- end of device placement ----

// Allocates the tensors not placed yet and reads the bytes of every tensor outside the file mapping (ggml
// repacks on the way in where the buffer asks for it), widening F16/BF16 vectors to F32.
void read_tensors(deberta_model & m, const gguf_file & file, const std::vector<bound_tensor> & bound) {
    size_t unplaced = 0;
    for (const auto & b : bound) unplaced += b.tensor->data == nullptr;
    if (unplaced > 0) {
        require_device_memory(m.device, device_weights_bytes(m, bound), "the weights");
        ggml_backend_buffer_t buffer = ggml_backend_alloc_ctx_tensors_from_buft(m.ctx_weights, ggml_backend_dev_buffer_type(m.device));
        require(buffer != nullptr, DEBERTA_STATUS_OUT_OF_MEMORY, "cannot allocate " + m.device_name + " memory for the weights");
        m.buffers.push_back(buffer);
        ggml_backend_buffer_set_usage(buffer, GGML_BACKEND_BUFFER_USAGE_WEIGHTS);
    }
    const ggml_backend_buffer_t mapped = m.mapping_buffer;
    size_t to_read = 0;
    for (const auto & b : bound) to_read += b.tensor->buffer != mapped;
    if (to_read == 0) return;

    std::vector<uint8_t> bytes;
    std::vector<float> widened;
    for (const auto & b : bound) {
        if (b.tensor->buffer == mapped) continue;
        bytes.resize(b.info->nbytes);
        file.read_at(b.info->file_offset, bytes.data(), bytes.size(), "tensor '" + b.info->name + "'");
        if ((int32_t) b.tensor->type == b.info->type) {
            ggml_backend_tensor_set(b.tensor, bytes.data(), 0, bytes.size());
            continue;
        }
        const ggml_type_traits * traits = ggml_get_type_traits((ggml_type) b.info->type);
        require(traits && traits->to_float, DEBERTA_STATUS_UNSUPPORTED, "no conversion for tensor '" + b.info->name + "'");
        widened.resize((size_t) ggml_nelements(b.tensor));
        traits->to_float(bytes.data(), widened.data(), (int64_t) widened.size());
        ggml_backend_tensor_set(b.tensor, widened.data(), 0, widened.size() * sizeof(float));
    }
}

} // namespace deberta
