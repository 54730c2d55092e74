#include "hparams.h"

#include "arch.h"
#include "deberta.h"
#include "errors.h"

#include <cmath>

namespace deberta {

namespace {

using arch::key;

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
    hparams hp;
    const std::string head = f.get_string(key("head"), "none");
    hp.head = arch::head_of(head);
    if (hp.head < 0) throw gguf_error(path + ": unknown head '" + head + "' in " + key("head"), false);
    hp.hidden_size = f.get_int(key("embedding_length"), 1, max_width);
    hp.n_layers = f.get_int(key("block_count"), 1, max_layers);
    hp.intermediate_size = f.get_int(key("feed_forward_length"), 1, max_intermediate_size);
    hp.n_heads = f.get_int(key("attention.head_count"), 1, hp.hidden_size);
    if (hp.hidden_size % hp.n_heads != 0) {
        throw gguf_error(path + ": hidden size " + std::to_string(hp.hidden_size) + " is not a multiple of " +
                         std::to_string(hp.n_heads) + " heads", false);
    }
    hp.head_dim = hp.hidden_size / hp.n_heads;
    hp.max_position_embeddings = f.get_int(key("context_length"), 1, max_positions);
    hp.layer_norm_eps = f.get_float(key("attention.layer_norm_epsilon"), 1e-7f);
    if (!(hp.layer_norm_eps > 0.0f)) throw gguf_error(path + ": layer_norm_epsilon must be positive", false);

    const gguf_tensor_info * tok = f.find_tensor(arch::tensor_name(arch::tensor::token_embd));
    if (!tok) throw gguf_error(path + ": missing tensor '" + arch::tensor_name(arch::tensor::token_embd) + "'", false);
    hp.vocab_size = f.get_int(key("vocab_size"), 1, int32_values, tok->ne[1]);
    hp.embedding_size = f.get_int(key("embedding_size"), 1, max_width, hp.hidden_size);
    hp.type_vocab_size = f.get_int(key("type_vocab_size"), 0, max_token_types, 0);
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
    hp.position_buckets = f.get_int(key("position_buckets"), -int32_values, int32_values, -1);
    const int64_t max_rel = f.get_int(key("max_relative_positions"), -int32_values, max_positions, -1);
    hp.max_relative_positions = max_rel < 1 ? hp.max_position_embeddings : max_rel;
    hp.att_span = arch::attention_span(hp.position_buckets, max_rel, hp.max_position_embeddings);
    if (hp.att_span > max_positions) throw gguf_error(path + ": position_buckets is implausibly large", false);

    hp.conv_kernel_size = f.get_int(key("conv_kernel_size"), 0, max_conv_kernel_size, 0);
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
    const int64_t pooler = f.get_int(key("pooler_hidden_size"), 1, max_width, hp.hidden_size);
    if ((hp.head == DEBERTA_HEAD_SEQUENCE_CLASSIFICATION || hp.head == DEBERTA_HEAD_MULTIPLE_CHOICE) && pooler != hp.hidden_size) {
        throw gguf_error(path + ": pooler_hidden_size " + std::to_string(pooler) + " differs from hidden_size (HF cannot run that either)", false);
    }

    hp.labels = f.get_string_array(key("classifier.output_labels"));
    const gguf_tensor_info * cls = f.find_tensor(arch::tensor_name(arch::tensor::cls_w));
    switch (hp.head) {
        case DEBERTA_HEAD_SEQUENCE_CLASSIFICATION:
        case DEBERTA_HEAD_TOKEN_CLASSIFICATION:
            if (!cls || cls->n_dims != 2) throw gguf_error(path + ": missing or malformed tensor '" + arch::tensor_name(arch::tensor::cls_w) + "'", false);
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
        const gguf_tensor_info * dense = f.find_tensor(arch::tensor_name(arch::tensor::mlm_dense_w));
        if (!dense || dense->n_dims != 2) throw gguf_error(path + ": missing or malformed tensor '" + arch::tensor_name(arch::tensor::mlm_dense_w) + "'", false);
        hp.mlm_width = dense->ne[1];
    }

    hp.max_sequence_length = hp.position_biased_input ? hp.max_position_embeddings : relative_only_max_sequence_length;
    return hp;
}


} // namespace deberta
