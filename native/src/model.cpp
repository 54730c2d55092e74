#include "model.h"

#include "deberta.h"
#include "compute.h"
#include "device_choice.h"
#include "ggml_runtime.h"
#include "graph.h"
#include "platform.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <initializer_list>

namespace deberta {

namespace {

using arch::key;

// Tensors are checked against the shapes the hyperparameters imply before any ggml call.
class tensor_binder {
public:
    tensor_binder(const gguf_file & file, ggml_context * ctx) : file_(file), ctx_(ctx) {}

    ggml_tensor * require(const std::string & name, std::initializer_list<int64_t> shape) {
        ggml_tensor * t = optional(name, shape);
        if (!t) fail("missing tensor '" + name + "'");
        return t;
    }

    ggml_tensor * optional(const std::string & name, std::initializer_list<int64_t> shape) {
        const gguf_tensor_info * info = file_.find_tensor(name);
        if (!info) return nullptr;
        std::vector<int64_t> want(shape);
        bool same = info->n_dims == want.size();
        for (size_t d = 0; same && d < want.size(); ++d) same = info->ne[d] == want[d];
        if (!same) fail("tensor '" + name + "' has shape " + describe(info->ne, info->n_dims) + ", expected " +
                        describe(want.data(), (uint32_t) want.size()));
        const bool vector = want.size() == 1;
        // Norm weights and biases take part in element-wise ops, which want F32: F16/BF16 are widened at load.
        if (vector && info->type != GGML_TYPE_F32 && info->type != GGML_TYPE_F16 && info->type != GGML_TYPE_BF16) {
            fail("tensor '" + name + "' must be F32, F16 or BF16");
        }
        const ggml_type type = vector ? GGML_TYPE_F32 : (ggml_type) info->type;
        ggml_tensor * t = ggml_new_tensor(ctx_, type, (int) info->n_dims, info->ne);
        ggml_set_name(t, name.c_str());
        bound_.push_back({t, info});
        return t;
    }

    struct binding { ggml_tensor * tensor; const gguf_tensor_info * info; };
    const std::vector<binding> & bound() const { return bound_; }

    [[noreturn]] void fail(const std::string & message) const { throw gguf_error(file_.path() + ": " + message, false); }

private:
    static std::string describe(const int64_t * ne, uint32_t n) {
        std::string s = "[";
        for (uint32_t d = 0; d < n; ++d) s += (d ? ", " : "") + std::to_string(ne[d]);
        return s + "]";
    }
    const gguf_file & file_;
    ggml_context * ctx_;
    std::vector<binding> bound_;
};

void bind_weights(deberta_model & m, tensor_binder & b) {
    const hparams & hp = m.hp;
    model_weights & w = m.w;
    const int64_t H = hp.hidden_size, E = hp.embedding_size, I = hp.intermediate_size;

    w.tok_embd = b.require("token_embd.weight", {E, hp.vocab_size});
    if (hp.position_biased_input) w.pos_embd = b.require("position_embd.weight", {E, hp.max_position_embeddings});
    if (hp.type_vocab_size > 0) w.type_embd = b.require("token_types.weight", {E, hp.type_vocab_size});
    if (E != H) w.embd_proj = b.require("embd_proj.weight", {E, H});
    w.embd_norm_w = b.require("token_embd_norm.weight", {H});
    w.embd_norm_b = b.require("token_embd_norm.bias", {H});

    if (hp.relative_attention) {
        w.rel_embd = b.require("rel_embd.weight", {H, 2 * hp.att_span});
        if (hp.norm_rel_ebd) {
            w.rel_norm_w = b.require("rel_embd_norm.weight", {H});
            w.rel_norm_b = b.require("rel_embd_norm.bias", {H});
        }
    }
    if (hp.conv_kernel_size > 0) {
        w.conv_w = b.require("enc_conv.weight", {hp.conv_kernel_size, H, H});
        w.conv_b = b.require("enc_conv.bias", {H});
        w.conv_norm_w = b.require("enc_conv_norm.weight", {H});
        w.conv_norm_b = b.require("enc_conv_norm.bias", {H});
    }

    w.layers.resize(hp.n_layers);
    for (int64_t il = 0; il < hp.n_layers; ++il) {
        layer_weights & l = w.layers[il];
        const std::string p = "blk." + std::to_string(il) + ".";
        l.q_w = b.require(p + "attn_q.weight", {H, H});
        l.q_b = b.require(p + "attn_q.bias", {H});
        l.k_w = b.require(p + "attn_k.weight", {H, H});
        l.k_b = b.require(p + "attn_k.bias", {H});
        l.v_w = b.require(p + "attn_v.weight", {H, H});
        l.v_b = b.require(p + "attn_v.bias", {H});
        if (hp.relative_attention) {
            if (hp.share_att_key) {
                l.pos_k_w = l.k_w, l.pos_k_b = l.k_b, l.pos_q_w = l.q_w, l.pos_q_b = l.q_b;
            } else {
                if (hp.c2p) {
                    l.pos_k_w = b.require(p + "attn_pos_k.weight", {H, H});
                    l.pos_k_b = b.require(p + "attn_pos_k.bias", {H});
                }
                if (hp.p2c) {
                    l.pos_q_w = b.require(p + "attn_pos_q.weight", {H, H});
                    l.pos_q_b = b.require(p + "attn_pos_q.bias", {H});
                }
            }
        }
        l.attn_out_w = b.require(p + "attn_output.weight", {H, H});
        l.attn_out_b = b.require(p + "attn_output.bias", {H});
        l.attn_norm_w = b.require(p + "attn_output_norm.weight", {H});
        l.attn_norm_b = b.require(p + "attn_output_norm.bias", {H});
        l.ffn_up_w = b.require(p + "ffn_up.weight", {H, I});
        l.ffn_up_b = b.require(p + "ffn_up.bias", {I});
        l.ffn_down_w = b.require(p + "ffn_down.weight", {I, H});
        l.ffn_down_b = b.require(p + "ffn_down.bias", {H});
        l.out_norm_w = b.require(p + "layer_output_norm.weight", {H});
        l.out_norm_b = b.require(p + "layer_output_norm.bias", {H});
    }

    switch (hp.head) {
        case DEBERTA_HEAD_SEQUENCE_CLASSIFICATION:
        case DEBERTA_HEAD_MULTIPLE_CHOICE: {
            // HF's ContextPooler is Linear(pooler_hidden_size, pooler_hidden_size) applied to the hidden state.
            w.pooler_w = b.require("cls.weight", {H, H});
            w.pooler_b = b.require("cls.bias", {H});
            const int64_t labels = hp.head == DEBERTA_HEAD_MULTIPLE_CHOICE ? 1 : hp.num_labels;
            w.cls_w = b.require("cls.output.weight", {H, labels});
            w.cls_b = b.require("cls.output.bias", {labels});
            break;
        }
        case DEBERTA_HEAD_TOKEN_CLASSIFICATION:
        case DEBERTA_HEAD_QUESTION_ANSWERING:
            w.cls_w = b.require("cls.output.weight", {H, hp.num_labels});
            w.cls_b = b.require("cls.output.bias", {hp.num_labels});
            break;
        case DEBERTA_HEAD_MASKED_LM: {
            const int64_t X = hp.mlm_width;
            w.mlm_dense_w = b.require("mlm.dense.weight", {H, X});
            w.mlm_dense_b = b.require("mlm.dense.bias", {X});
            w.mlm_norm_w = b.require("mlm.norm.weight", {X});
            w.mlm_norm_b = b.require("mlm.norm.bias", {X});
            w.mlm_out_b = b.require("mlm.output.bias", {hp.vocab_size});
            w.mlm_out_w = b.optional("mlm.output.weight", {X, hp.vocab_size});
            if (!w.mlm_out_w) {
                if (X != E) b.fail("mlm.dense width " + std::to_string(X) + " differs from the tied word embeddings' " + std::to_string(E));
                w.mlm_out_w = w.tok_embd;
            }
            break;
        }
        default:
            break;
    }
}

} // namespace

activation parse_activation(const std::string & name, const std::string & key_name, const std::string & path) {
    if (name == "gelu") return activation::gelu_erf;
    if (name == "gelu_new" || name == "gelu_pytorch_tanh" || name == "gelu_fast") return activation::gelu_tanh;
    if (name == "relu") return activation::relu;
    if (name == "tanh") return activation::tanh;
    if (name == "sigmoid") return activation::sigmoid;
    if (name == "silu" || name == "swish") return activation::silu;
    if (name == "linear" || name == "identity") return activation::identity;
    fail(DEBERTA_STATUS_UNSUPPORTED, path + ": unsupported activation '" + name + "' in " + key_name);
}

size_t output_floats(const hparams & hp, int32_t output, int64_t S, int64_t T) {
    const size_t n = (size_t) (S * T);
    const bool qa = hp.head == DEBERTA_HEAD_QUESTION_ANSWERING;
    switch (output) {
        case DEBERTA_OUTPUT_LAST_HIDDEN_STATE: return n * (size_t) hp.hidden_size;
        case DEBERTA_OUTPUT_HIDDEN_STATES: return n * (size_t) hp.hidden_size * (size_t) (hp.n_layers + 1);
        case DEBERTA_OUTPUT_START_LOGITS:
        case DEBERTA_OUTPUT_END_LOGITS: return qa ? n : 0;
        case DEBERTA_OUTPUT_LOGITS:
            switch (hp.head) {
                case DEBERTA_HEAD_SEQUENCE_CLASSIFICATION: return (size_t) (S * hp.num_labels);
                case DEBERTA_HEAD_MULTIPLE_CHOICE: return (size_t) S;
                case DEBERTA_HEAD_TOKEN_CLASSIFICATION: return n * (size_t) hp.num_labels;
                case DEBERTA_HEAD_MASKED_LM: return n * (size_t) hp.vocab_size;
                default: return 0; // no head; QA has start/end logits instead
            }
        default: return 0;
    }
}

float hparams::attention_scale() const {
    const float factor = 1.0f + (c2p ? 1.0f : 0.0f) + (p2c ? 1.0f : 0.0f);
    return std::sqrt((float) head_dim * factor);
}

hparams read_hparams(const gguf_file & f) {
    const std::string & path = f.path();
    const std::string architecture = f.get_string("general.architecture");
    if (architecture != arch::name) {
        throw gguf_error(path + ": architecture '" + architecture + "' is not " + arch::name, false);
    }
    constexpr int64_t big = int64_t(1) << 31;
    hparams hp;
    const std::string head = f.get_string(key("head"), "none");
    hp.head = arch::head_of(head);
    if (hp.head < 0) throw gguf_error(path + ": unknown head '" + head + "' in " + key("head"), false);
    hp.hidden_size = f.get_int(key("embedding_length"), 1, 1 << 16);
    hp.n_layers = f.get_int(key("block_count"), 1, 1024);
    hp.intermediate_size = f.get_int(key("feed_forward_length"), 1, 1 << 20);
    hp.n_heads = f.get_int(key("attention.head_count"), 1, hp.hidden_size);
    if (hp.hidden_size % hp.n_heads != 0) {
        throw gguf_error(path + ": hidden size " + std::to_string(hp.hidden_size) + " is not a multiple of " +
                         std::to_string(hp.n_heads) + " heads", false);
    }
    hp.head_dim = hp.hidden_size / hp.n_heads;
    hp.max_position_embeddings = f.get_int(key("context_length"), 1, 1 << 20);
    hp.layer_norm_eps = f.get_float(key("attention.layer_norm_epsilon"), 1e-7f);
    if (!(hp.layer_norm_eps > 0.0f)) throw gguf_error(path + ": layer_norm_epsilon must be positive", false);

    const gguf_tensor_info * tok = f.find_tensor("token_embd.weight");
    if (!tok) throw gguf_error(path + ": missing tensor 'token_embd.weight'", false);
    hp.vocab_size = f.get_int(key("vocab_size"), 1, big, tok->ne[1]);
    hp.embedding_size = f.get_int(key("embedding_size"), 1, 1 << 16, hp.hidden_size);
    hp.type_vocab_size = f.get_int(key("type_vocab_size"), 0, 1 << 16, 0);
    hp.hidden_act = parse_activation(f.get_string(key("hidden_act"), "gelu"), key("hidden_act"), path);
    hp.position_biased_input = f.get_bool(key("position_biased_input"), true);

    hp.relative_attention = f.get_bool(key("relative_attention"), false);
    for (const std::string & t : f.get_string_array(key("pos_att_type"))) {
        if (t == "c2p") hp.c2p = true;
        else if (t == "p2c") hp.p2c = true;
        else throw gguf_error(path + ": unknown pos_att_type '" + t + "'", false);
    }
    hp.share_att_key = f.get_bool(key("share_att_key"), false);
    const std::string norm_rel = f.get_string(key("norm_rel_ebd"), "none");
    hp.norm_rel_ebd = arch::normalizes_relative_embeddings(norm_rel);
    hp.position_buckets = f.get_int(key("position_buckets"), -big, big, -1);
    const int64_t max_rel = f.get_int(key("max_relative_positions"), -big, 1 << 20, -1);
    hp.max_relative_positions = max_rel < 1 ? hp.max_position_embeddings : max_rel;
    hp.att_span = arch::attention_span(hp.position_buckets, max_rel, hp.max_position_embeddings);
    if (hp.att_span > (1 << 20)) throw gguf_error(path + ": position_buckets is implausibly large", false);

    hp.conv_kernel_size = f.get_int(key("conv_kernel_size"), 0, 64, 0);
    if (hp.conv_kernel_size > 0) {
        // The graph runs one dense convolution (im2col + mul_mat); HF's grouped Conv1d would need one per group.
        const int64_t groups = f.get_int(key("conv_groups"), 1, hp.hidden_size, 1);
        if (groups != supported_conv_groups) {
            fail(DEBERTA_STATUS_UNSUPPORTED, path + ": conv_groups=" + std::to_string(groups) +
                                                 " (grouped convolution) is not supported; only conv_groups=1 runs");
        }
        if (hp.conv_kernel_size % 2 == 0) {
            // HF pads (k-1)/2 on both sides, so an even kernel shortens the sequence; HF cannot run it either.
            fail(DEBERTA_STATUS_UNSUPPORTED, path + ": conv_kernel_size=" + std::to_string(hp.conv_kernel_size) +
                                                 " is even; only odd kernels keep the sequence length");
        }
        hp.conv_act = parse_activation(f.get_string(key("conv_act"), "tanh"), key("conv_act"), path);
    }
    hp.pooler_act = parse_activation(f.get_string(key("pooler_hidden_act"), "gelu"), key("pooler_hidden_act"), path);
    const int64_t pooler = f.get_int(key("pooler_hidden_size"), 1, 1 << 16, hp.hidden_size);
    if ((hp.head == DEBERTA_HEAD_SEQUENCE_CLASSIFICATION || hp.head == DEBERTA_HEAD_MULTIPLE_CHOICE) && pooler != hp.hidden_size) {
        throw gguf_error(path + ": pooler_hidden_size " + std::to_string(pooler) + " differs from hidden_size (HF cannot run that either)", false);
    }

    hp.labels = f.get_string_array(key("classifier.output_labels"));
    const gguf_tensor_info * cls = f.find_tensor("cls.output.weight");
    switch (hp.head) {
        case DEBERTA_HEAD_SEQUENCE_CLASSIFICATION:
        case DEBERTA_HEAD_TOKEN_CLASSIFICATION:
            if (!cls || cls->n_dims != 2) throw gguf_error(path + ": missing or malformed tensor 'cls.output.weight'", false);
            hp.num_labels = cls->ne[1];
            break;
        case DEBERTA_HEAD_QUESTION_ANSWERING: hp.num_labels = 2; break;
        case DEBERTA_HEAD_MULTIPLE_CHOICE: hp.num_labels = 1; break;
        default: hp.num_labels = 0; break;
    }
    if (!hp.labels.empty() && (int64_t) hp.labels.size() != hp.num_labels &&
        (hp.head == DEBERTA_HEAD_SEQUENCE_CLASSIFICATION || hp.head == DEBERTA_HEAD_TOKEN_CLASSIFICATION)) {
        throw gguf_error(path + ": " + std::to_string(hp.labels.size()) + " labels for a classifier with " +
                         std::to_string(hp.num_labels) + " outputs", false);
    }
    if (hp.head == DEBERTA_HEAD_MASKED_LM) {
        const gguf_tensor_info * dense = f.find_tensor("mlm.dense.weight");
        if (!dense || dense->n_dims != 2) throw gguf_error(path + ": missing or malformed tensor 'mlm.dense.weight'", false);
        hp.mlm_width = dense->ne[1];
    }

    hp.max_sequence_length = hp.position_biased_input ? hp.max_position_embeddings : relative_only_max_sequence_length;
    return hp;
}

} // namespace deberta

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
void map_tensors(deberta_model & m, const gguf_file & file, const std::vector<tensor_binder::binding> & bound) {
    // ggml's CPU buffers want 32-byte aligned data; the mapping is page aligned.
    if (ggml_backend_dev_type(m.device) != GGML_BACKEND_DEVICE_TYPE_CPU || file.alignment() < 32) return;
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
// The weights not yet placed (in the device's buffer type, aligned as ggml allocates them) plus the position
// projections computed at load, so a GPU too small for the model is refused before anything is allocated.
size_t device_weights_bytes(const deberta_model & m, const std::vector<tensor_binder::binding> & bound) {
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
void read_tensors(deberta_model & m, const gguf_file & file, const std::vector<tensor_binder::binding> & bound) {
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

// pos_key/pos_query of every layer: the projections of the (normalized) relative embeddings do not depend on the
// input, so they are computed once, not in every evaluation. Loading only allocates them: evaluations compute the
// rows their lengths use (ensure_position_rows), so a load does no arithmetic and short inputs never pay for the
// rows of long ones (docs/BENCHMARKS.md, finding 18).
void allocate_position_projections(deberta_model & m) {
    const hparams & hp = m.hp;
    if (!hp.relative_attention || (!hp.c2p && !hp.p2c)) return;
    ggml_init_params params{ggml_tensor_overhead() * (2 * (size_t) hp.n_layers + 2), nullptr, true};
    m.ctx_positions = ggml_init(params);
    require(m.ctx_positions != nullptr, DEBERTA_STATUS_OUT_OF_MEMORY, "ggml_init failed");
    for (int64_t il = 0; il < hp.n_layers; ++il) {
        layer_weights & l = m.w.layers[il];
        if (hp.c2p) {
            l.pos_key = ggml_new_tensor_2d(m.ctx_positions, GGML_TYPE_F32, hp.hidden_size, 2 * hp.att_span);
            ggml_format_name(l.pos_key, "pos_key-%d", (int) il);
        }
        if (hp.p2c) {
            l.pos_query = ggml_new_tensor_2d(m.ctx_positions, GGML_TYPE_F32, hp.hidden_size, 2 * hp.att_span);
            ggml_format_name(l.pos_query, "pos_query-%d", (int) il);
        }
    }
    ggml_backend_buffer_t buffer = ggml_backend_alloc_ctx_tensors_from_buft(m.ctx_positions, ggml_backend_dev_buffer_type(m.device));
    require(buffer != nullptr, DEBERTA_STATUS_OUT_OF_MEMORY, "cannot allocate the position projections");
    m.buffers.push_back(buffer);
    m.positions_begin = m.positions_end = hp.att_span;  // empty, at the row of distance 0
}

void compute_position_rows(const deberta_model & m, int64_t first, int64_t end) {
    const hparams & hp = m.hp;
    const size_t nodes = graph_size(hp);
    ggml_init_params graph_params{ggml_tensor_overhead() * nodes + ggml_graph_overhead_custom(nodes, false), nullptr, true};
    ggml_context * ctx = ggml_init(graph_params);
    require(ctx != nullptr, DEBERTA_STATUS_OUT_OF_MEMORY, "ggml_init failed");
    try {
        ggml_cgraph * graph = ggml_new_graph_custom(ctx, nodes, false);
        ggml_tensor * rows = nullptr;
        build_position_graph(ctx, graph, m, first, end - first, &rows);
        std::vector<int32_t> row_ids((size_t) (end - first));
        for (size_t i = 0; i < row_ids.size(); ++i) row_ids[i] = (int32_t) (first + (int64_t) i);
        const double terms = (hp.c2p ? 1 : 0) + (hp.p2c ? 1 : 0);
        const double flops = 2.0 * (double) hp.n_layers * terms * (double) row_ids.size() * (double) (hp.hidden_size * hp.hidden_size);
        run_graph_once(m, graph, flops, {{rows, row_ids}});
    } catch (...) {
        ggml_free(ctx);
        throw;
    }
    ggml_free(ctx);
}

} // namespace

void ensure_position_rows(const deberta_model & m, int64_t first, int64_t end) {
    if (!m.ctx_positions) return;
    first = std::max<int64_t>(first, 0);
    end = std::min<int64_t>(end, 2 * m.hp.att_span);
    std::lock_guard<std::mutex> lock(m.positions_mutex);
    // The computed range always holds the row of distance 0, so what is missing lies below it, above it, or both.
    if (first < m.positions_begin) {
        compute_position_rows(m, first, m.positions_begin);
        m.positions_begin = first;
    }
    if (end > m.positions_end) {
        compute_position_rows(m, m.positions_end, end);
        m.positions_end = end;
    }
}

ggml_backend_t init_backend(ggml_backend_dev_t dev) {
    ggml_backend_t backend = ggml_backend_dev_init(dev, nullptr);
    require(backend != nullptr, DEBERTA_STATUS_BACKEND_ERROR,
            std::string("cannot initialize ggml device ") + ggml_backend_dev_name(dev));
    return backend;
}

std::unique_ptr<deberta_model> load_model(const std::string & path, int32_t device, bool use_mmap) {
    gguf_file file(path);
    auto m = std::make_unique<deberta_model>();
    m->path = path;
    m->name = file.get_string("general.name", "");
    m->hp = read_hparams(file);
    device_choice choice = choose_device(device);
    m->device = choice.device;
    m->device_name = ggml_backend_dev_name(m->device);
    m->device_reason = std::move(choice.reason);

    ggml_init_params params{ggml_tensor_overhead() * (file.tensors().size() + 1), nullptr, true};
    m->ctx_weights = ggml_init(params);
    require(m->ctx_weights != nullptr, DEBERTA_STATUS_OUT_OF_MEMORY, "ggml_init failed");
    tensor_binder binder(file, m->ctx_weights);
    bind_weights(*m, binder);
    if (binder.bound().size() != file.tensors().size()) {
        log(DEBERTA_LOG_WARN, path + ": " + std::to_string(file.tensors().size() - binder.bound().size()) +
                                  " tensors in the file are not used by this model");
    }
    place_repacked(*m);
    place_host_embeddings(*m);
    if (use_mmap) map_tensors(*m, file, binder.bound());
    read_tensors(*m, file, binder.bound());
    allocate_position_projections(*m);
    pack_weights(*m); // position rows computed later read pos_k_w/pos_q_w through weight_product, packed or not
    m->metadata = file.take_metadata();
    return m;
}

} // namespace deberta

deberta_model::~deberta_model() {
    for (ggml_backend_buffer_t b : buffers) ggml_backend_buffer_free(b);
    if (ctx_positions) ggml_free(ctx_positions);
    if (ctx_weights) ggml_free(ctx_weights);
}

size_t deberta_model::weights_size() const {
    size_t total = 0;
    for (ggml_backend_buffer_t b : buffers) total += ggml_backend_buffer_get_size(b);
    return total;
}
