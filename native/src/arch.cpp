#include "arch.h"

#include "deberta.h"
#include "errors.h"
#include "hparams.h"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace deberta::arch {

const char * const key_suffixes[] = {
    "context_length", "embedding_length", "block_count", "feed_forward_length",
    "attention.head_count", "attention.layer_norm_epsilon", "attention.causal", "pooling_type",
    "classifier.output_labels", "head", "hf_architecture", "problem_type",
    "vocab_size", "embedding_size", "type_vocab_size", "hidden_act",
    "relative_attention", "max_relative_positions", "position_buckets", "pos_att_type",
    "share_att_key", "norm_rel_ebd", "position_biased_input",
    "conv_kernel_size", "conv_groups", "conv_act",
    "pooler_hidden_size", "pooler_hidden_act", "pad_token_id",
};
const size_t key_count = sizeof(key_suffixes) / sizeof(key_suffixes[0]);

std::string key(const char * suffix) {
    for (size_t i = 0; i < key_count; ++i) {
        if (std::strcmp(key_suffixes[i], suffix) == 0) return std::string(name) + "." + suffix;
    }
    fail(DEBERTA_STATUS_INTERNAL_ERROR, std::string("metadata key '") + suffix + "' is not in the format table");
}

namespace {

const struct { int32_t head; const char * name; } heads[] = {
    {DEBERTA_HEAD_NONE, "none"},
    {DEBERTA_HEAD_SEQUENCE_CLASSIFICATION, "sequence_classification"},
    {DEBERTA_HEAD_TOKEN_CLASSIFICATION, "token_classification"},
    {DEBERTA_HEAD_QUESTION_ANSWERING, "question_answering"},
    {DEBERTA_HEAD_MULTIPLE_CHOICE, "multiple_choice"},
    {DEBERTA_HEAD_MASKED_LM, "masked_lm"},
};

std::string trimmed_lower(std::string s) {
    auto space = [](unsigned char c) { return std::isspace(c) != 0; };
    s.erase(s.begin(), std::find_if_not(s.begin(), s.end(), space));
    s.erase(std::find_if_not(s.rbegin(), s.rend(), space).base(), s.end());
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return (char) std::tolower(c); });
    return s;
}

} // namespace

const char * head_name(int32_t head) {
    for (const auto & h : heads) {
        if (h.head == head) return h.name;
    }
    return nullptr;
}

int32_t head_of(const std::string & value) {
    for (const auto & h : heads) {
        if (value == h.name) return h.head;
    }
    return -1;
}

const tensor_type types[] = {
    {DEBERTA_TYPE_F32, "f32", 1, 4, 0},       {DEBERTA_TYPE_F16, "f16", 1, 2, 1},
    {DEBERTA_TYPE_BF16, "bf16", 1, 2, 32},    {DEBERTA_TYPE_Q4_0, "q4_0", 32, 18, 2},
    {DEBERTA_TYPE_Q4_1, "q4_1", 32, 20, 3},   {DEBERTA_TYPE_Q5_0, "q5_0", 32, 22, 8},
    {DEBERTA_TYPE_Q5_1, "q5_1", 32, 24, 9},   {DEBERTA_TYPE_Q8_0, "q8_0", 32, 34, 7},
    {DEBERTA_TYPE_Q4_K, "q4_K", 256, 144, 15}, {DEBERTA_TYPE_Q5_K, "q5_K", 256, 176, 17},
    {DEBERTA_TYPE_Q6_K, "q6_K", 256, 210, 18},
};
const size_t type_count = sizeof(types) / sizeof(types[0]);

const tensor_type * find_type(int32_t type) {
    for (const auto & t : types) {
        if (t.type == type) return &t;
    }
    return nullptr;
}

bool normalizes_relative_embeddings(const std::string & norm_rel_ebd) {
    const std::string value = trimmed_lower(norm_rel_ebd);
    size_t start = 0;
    while (true) {
        const size_t bar = value.find('|', start);
        if (trimmed_lower(value.substr(start, bar == std::string::npos ? std::string::npos : bar - start)) == "layer_norm") return true;
        if (bar == std::string::npos) return false;
        start = bar + 1;
    }
}

int64_t attention_span(int64_t position_buckets, int64_t max_relative_positions, int64_t max_position_embeddings) {
    if (position_buckets > 0) return position_buckets;
    return max_relative_positions < 1 ? max_position_embeddings : max_relative_positions;
}

namespace {

constexpr dim H = dim::hidden, E = dim::embedding, I = dim::intermediate, V = dim::vocab;

} // namespace

const tensor_spec tensors[] = {
    {tensor::token_embd, "token_embd.weight", scope::model, when::always, false, 2, {E, V}},
    {tensor::position_embd, "position_embd.weight", scope::model, when::position_biased_input, false, 2, {E, dim::positions}},
    {tensor::token_types, "token_types.weight", scope::model, when::token_types, false, 2, {E, dim::token_types}},
    {tensor::embd_proj, "embd_proj.weight", scope::model, when::embedding_projection, false, 2, {E, H}},
    {tensor::embd_norm_w, "token_embd_norm.weight", scope::model, when::always, false, 1, {H}},
    {tensor::embd_norm_b, "token_embd_norm.bias", scope::model, when::always, false, 1, {H}},
    {tensor::rel_embd, "rel_embd.weight", scope::model, when::relative_attention, false, 2, {H, dim::relative_rows}},
    {tensor::rel_norm_w, "rel_embd_norm.weight", scope::model, when::norm_rel_ebd, false, 1, {H}},
    {tensor::rel_norm_b, "rel_embd_norm.bias", scope::model, when::norm_rel_ebd, false, 1, {H}},
    {tensor::conv_w, "enc_conv.weight", scope::model, when::conv, false, 3, {dim::conv_kernel, H, H}},
    {tensor::conv_b, "enc_conv.bias", scope::model, when::conv, false, 1, {H}},
    {tensor::conv_norm_w, "enc_conv_norm.weight", scope::model, when::conv, false, 1, {H}},
    {tensor::conv_norm_b, "enc_conv_norm.bias", scope::model, when::conv, false, 1, {H}},

    {tensor::q_w, "blk.%d.attn_q.weight", scope::layer, when::always, false, 2, {H, H}},
    {tensor::q_b, "blk.%d.attn_q.bias", scope::layer, when::always, false, 1, {H}},
    {tensor::k_w, "blk.%d.attn_k.weight", scope::layer, when::always, false, 2, {H, H}},
    {tensor::k_b, "blk.%d.attn_k.bias", scope::layer, when::always, false, 1, {H}},
    {tensor::v_w, "blk.%d.attn_v.weight", scope::layer, when::always, false, 2, {H, H}},
    {tensor::v_b, "blk.%d.attn_v.bias", scope::layer, when::always, false, 1, {H}},
    {tensor::pos_k_w, "blk.%d.attn_pos_k.weight", scope::layer, when::separate_pos_key, false, 2, {H, H}},
    {tensor::pos_k_b, "blk.%d.attn_pos_k.bias", scope::layer, when::separate_pos_key, false, 1, {H}},
    {tensor::pos_q_w, "blk.%d.attn_pos_q.weight", scope::layer, when::separate_pos_query, false, 2, {H, H}},
    {tensor::pos_q_b, "blk.%d.attn_pos_q.bias", scope::layer, when::separate_pos_query, false, 1, {H}},
    {tensor::attn_out_w, "blk.%d.attn_output.weight", scope::layer, when::always, false, 2, {H, H}},
    {tensor::attn_out_b, "blk.%d.attn_output.bias", scope::layer, when::always, false, 1, {H}},
    {tensor::attn_norm_w, "blk.%d.attn_output_norm.weight", scope::layer, when::always, false, 1, {H}},
    {tensor::attn_norm_b, "blk.%d.attn_output_norm.bias", scope::layer, when::always, false, 1, {H}},
    {tensor::ffn_up_w, "blk.%d.ffn_up.weight", scope::layer, when::always, false, 2, {H, I}},
    {tensor::ffn_up_b, "blk.%d.ffn_up.bias", scope::layer, when::always, false, 1, {I}},
    {tensor::ffn_down_w, "blk.%d.ffn_down.weight", scope::layer, when::always, false, 2, {I, H}},
    {tensor::ffn_down_b, "blk.%d.ffn_down.bias", scope::layer, when::always, false, 1, {H}},
    {tensor::out_norm_w, "blk.%d.layer_output_norm.weight", scope::layer, when::always, false, 1, {H}},
    {tensor::out_norm_b, "blk.%d.layer_output_norm.bias", scope::layer, when::always, false, 1, {H}},

    // HF's ContextPooler is Linear(pooler_hidden_size, pooler_hidden_size) on the hidden state; the loader requires
    // pooler_hidden_size == hidden_size.
    {tensor::pooler_w, "cls.weight", scope::head, when::pooler, false, 2, {H, H}},
    {tensor::pooler_b, "cls.bias", scope::head, when::pooler, false, 1, {H}},
    {tensor::cls_w, "cls.output.weight", scope::head, when::classifier, false, 2, {H, dim::labels}},
    {tensor::cls_b, "cls.output.bias", scope::head, when::classifier, false, 1, {dim::labels}},
    {tensor::mlm_dense_w, "mlm.dense.weight", scope::head, when::masked_lm, false, 2, {H, dim::mlm_width}},
    {tensor::mlm_dense_b, "mlm.dense.bias", scope::head, when::masked_lm, false, 1, {dim::mlm_width}},
    {tensor::mlm_norm_w, "mlm.norm.weight", scope::head, when::masked_lm, false, 1, {dim::mlm_width}},
    {tensor::mlm_norm_b, "mlm.norm.bias", scope::head, when::masked_lm, false, 1, {dim::mlm_width}},
    {tensor::mlm_out_b, "mlm.output.bias", scope::head, when::masked_lm, false, 1, {V}},
    {tensor::mlm_out_w, "mlm.output.weight", scope::head, when::masked_lm, true, 2, {dim::mlm_width, V}},
};
const size_t tensor_count = sizeof(tensors) / sizeof(tensors[0]);

const tensor_spec & spec(tensor id) {
    for (const auto & t : tensors) {
        if (t.id == id) return t;
    }
    fail(DEBERTA_STATUS_INTERNAL_ERROR, "tensor " + std::to_string((int) id) + " is not in the format table");
}

const char * tensor_name(tensor id) {
    const tensor_spec & t = spec(id);
    if (t.where == scope::layer) fail(DEBERTA_STATUS_INTERNAL_ERROR, std::string("tensor '") + t.name + "' is per layer");
    return t.name;
}

namespace {

bool holds(const hparams & hp, when present) {
    const bool separate_positions = hp.relative_attention && !hp.share_att_key;
    switch (present) {
        case when::always: return true;
        case when::position_biased_input: return hp.position_biased_input;
        case when::token_types: return hp.type_vocab_size > 0;
        case when::embedding_projection: return hp.embedding_size != hp.hidden_size;
        case when::relative_attention: return hp.relative_attention;
        case when::norm_rel_ebd: return hp.norm_rel_ebd;
        case when::conv: return hp.conv_kernel_size > 0;
        case when::separate_pos_key: return separate_positions && hp.c2p;
        case when::separate_pos_query: return separate_positions && hp.p2c;
        case when::pooler: return hp.head == DEBERTA_HEAD_SEQUENCE_CLASSIFICATION || hp.head == DEBERTA_HEAD_MULTIPLE_CHOICE;
        case when::classifier:
            return hp.head == DEBERTA_HEAD_SEQUENCE_CLASSIFICATION || hp.head == DEBERTA_HEAD_MULTIPLE_CHOICE ||
                   hp.head == DEBERTA_HEAD_TOKEN_CLASSIFICATION || hp.head == DEBERTA_HEAD_QUESTION_ANSWERING;
        case when::masked_lm: return hp.head == DEBERTA_HEAD_MASKED_LM;
    }
    return false;
}

int64_t size_of(const hparams & hp, dim d) {
    switch (d) {
        case dim::hidden: return hp.hidden_size;
        case dim::embedding: return hp.embedding_size;
        case dim::intermediate: return hp.intermediate_size;
        case dim::vocab: return hp.vocab_size;
        case dim::positions: return hp.max_position_embeddings;
        case dim::token_types: return hp.type_vocab_size;
        case dim::relative_rows: return 2 * hp.att_span;
        case dim::conv_kernel: return hp.conv_kernel_size;
        case dim::labels: return hp.num_labels;
        case dim::mlm_width: return hp.mlm_width;
    }
    return 0;
}

void add_expected(std::vector<expected_tensor> & list, const hparams & hp, const tensor_spec & t, int64_t layer) {
    expected_tensor e{&t, layer, t.name, {}};
    if (t.where == scope::layer) {
        const size_t at = e.name.find("%d");
        e.name.replace(at, 2, std::to_string(layer));
    }
    for (int d = 0; d < t.n_dims; ++d) e.shape.push_back(size_of(hp, t.shape[d]));
    list.push_back(std::move(e));
}

} // namespace

std::vector<expected_tensor> expected_tensors(const hparams & hp) {
    std::vector<expected_tensor> list;
    const auto add = [&](scope where, int64_t layer) {
        for (const auto & t : tensors) {
            if (t.where == where && holds(hp, t.present)) add_expected(list, hp, t, layer);
        }
    };
    add(scope::model, -1);
    for (int64_t il = 0; il < hp.n_layers; ++il) add(scope::layer, il);
    add(scope::head, -1);
    return list;
}

} // namespace deberta::arch
