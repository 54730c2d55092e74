#include "arch.h"

#include "deberta.h"
#include "errors.h"

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

} // namespace deberta::arch
