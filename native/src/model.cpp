#include "model.h"

#include "deberta.h"
#include "graph.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <initializer_list>

#if !defined(_WIN32)
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace deberta {

// A read-only memory map of a whole file (POSIX only; elsewhere loading reads the file).
class mapped_file {
public:
    static std::unique_ptr<mapped_file> open(const std::string & path, uint64_t size) {
#if defined(_WIN32)
        (void) path; (void) size;
        return nullptr;
#else
        const int fd = ::open(path.c_str(), O_RDONLY);
        if (fd < 0) return nullptr;
        void * addr = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
        ::close(fd);
        if (addr == MAP_FAILED) return nullptr;
        return std::unique_ptr<mapped_file>(new mapped_file(addr, size));
#endif
    }
    ~mapped_file() {
#if !defined(_WIN32)
        ::munmap(addr_, size_);
#endif
    }
    uint8_t * data() const { return (uint8_t *) addr_; }

private:
    mapped_file(void * addr, uint64_t size) : addr_(addr), size_(size) {}
    void * addr_;
    uint64_t size_;
};

namespace {

const char * const arch = "deberta-v2";

std::string key(const char * suffix) { return std::string(arch) + "." + suffix; }

int32_t parse_head(const std::string & name, const std::string & path) {
    static const struct { const char * name; int32_t head; } heads[] = {
        {"none", DEBERTA_HEAD_NONE},
        {"sequence_classification", DEBERTA_HEAD_SEQUENCE_CLASSIFICATION},
        {"token_classification", DEBERTA_HEAD_TOKEN_CLASSIFICATION},
        {"question_answering", DEBERTA_HEAD_QUESTION_ANSWERING},
        {"multiple_choice", DEBERTA_HEAD_MULTIPLE_CHOICE},
        {"masked_lm", DEBERTA_HEAD_MASKED_LM},
    };
    for (const auto & h : heads) {
        if (name == h.name) return h.head;
    }
    throw gguf_error(path + ": unknown head '" + name + "' in " + key("head"), false);
}

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
        w.conv_w = b.require("enc_conv.weight", {hp.conv_kernel_size, H / hp.conv_groups, H});
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
    throw gguf_error(path + ": unsupported activation '" + name + "' in " + key_name, false);
}

float hparams::attention_scale() const {
    const float factor = 1.0f + (c2p ? 1.0f : 0.0f) + (p2c ? 1.0f : 0.0f);
    return std::sqrt((float) head_dim * factor);
}

hparams read_hparams(const gguf_file & f) {
    const std::string & path = f.path();
    const std::string architecture = f.get_string("general.architecture");
    if (architecture != arch) {
        throw gguf_error(path + ": architecture '" + architecture + "' is not " + arch, false);
    }
    constexpr int64_t big = int64_t(1) << 31;
    hparams hp;
    hp.head = parse_head(f.get_string(key("head"), "none"), path);
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
    hp.norm_rel_ebd = norm_rel.find("layer_norm") != std::string::npos;
    hp.position_buckets = f.get_int(key("position_buckets"), -big, big, -1);
    const int64_t max_rel = f.get_int(key("max_relative_positions"), -big, 1 << 20, -1);
    hp.max_relative_positions = max_rel < 1 ? hp.max_position_embeddings : max_rel;
    hp.att_span = hp.position_buckets > 0 ? hp.position_buckets : hp.max_relative_positions;
    if (hp.att_span > (1 << 20)) throw gguf_error(path + ": position_buckets is implausibly large", false);

    hp.conv_kernel_size = f.get_int(key("conv_kernel_size"), 0, 64, 0);
    hp.conv_groups = f.get_int(key("conv_groups"), 1, hp.hidden_size, 1);
    if (hp.conv_kernel_size > 0) {
        if (hp.conv_kernel_size % 2 == 0) {
            // HF pads (k-1)/2 on both sides, so an even kernel shortens the sequence; no checkpoint does that.
            throw gguf_error(path + ": conv_kernel_size must be odd", false);
        }
        if (hp.hidden_size % hp.conv_groups != 0) throw gguf_error(path + ": conv_groups must divide the hidden size", false);
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
