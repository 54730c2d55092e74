// Model and context entry points of deberta.h.
#include "context.h"
#include "deberta.h"
#include "errors.h"
#include "model.h"
#include "platform.h"

#include <string>
#include <vector>

using namespace deberta;

extern "C" {

deberta_model_params deberta_model_default_params(void) {
    deberta_model_params p{};
    p.device = DEBERTA_DEVICE_CPU;
    p.use_mmap = 1;
    return p;
}

deberta_status deberta_model_load(const char * path, const deberta_model_params * params, deberta_model ** model) {
    if (model) *model = nullptr;
    return guarded([&] {
        ensure_initialized();
        DEBERTA_CHECK_ARG(path && *path, "path must not be empty");
        DEBERTA_CHECK_ARG(model, "model must not be NULL");
        const deberta_model_params p = params ? *params : deberta_model_default_params();
        *model = load_model(path, p.device, p.use_mmap != 0).release();
    });
}

void deberta_model_free(deberta_model * model) { delete model; }

deberta_status deberta_model_get_info(const deberta_model * model, deberta_model_info * info) {
    return guarded([&] {
        DEBERTA_CHECK_ARG(model && info, "model and info must not be NULL");
        const hparams & hp = model->hp;
        deberta_model_info i{};
        i.head = hp.head;
        i.vocab_size = (int32_t) hp.vocab_size;
        i.hidden_size = (int32_t) hp.hidden_size;
        i.embedding_size = (int32_t) hp.embedding_size;
        i.num_hidden_layers = (int32_t) hp.n_layers;
        i.num_attention_heads = (int32_t) hp.n_heads;
        i.intermediate_size = (int32_t) hp.intermediate_size;
        i.max_position_embeddings = (int32_t) hp.max_position_embeddings;
        i.type_vocab_size = (int32_t) hp.type_vocab_size;
        i.num_labels = (int32_t) hp.num_labels;
        i.relative_attention = hp.relative_attention;
        i.position_buckets = (int32_t) hp.position_buckets;
        i.max_relative_positions = (int32_t) hp.max_relative_positions;
        i.position_biased_input = hp.position_biased_input;
        i.max_sequence_length = (int32_t) hp.max_sequence_length;
        i.layer_norm_eps = hp.layer_norm_eps;
        *info = i;
    });
}

const char * deberta_model_label(const deberta_model * model, int32_t index) {
    if (!model || index < 0 || (size_t) index >= model->hp.labels.size()) return nullptr;
    return model->hp.labels[(size_t) index].c_str();
}

size_t deberta_model_weights_size(const deberta_model * model) { return model ? model->weights_size() : 0; }

const char * deberta_model_device(const deberta_model * model) { return model ? model->device_name.c_str() : nullptr; }

const char * deberta_model_device_reason(const deberta_model * model) { return model ? model->device_reason.c_str() : nullptr; }
size_t deberta_model_output_size(const deberta_model * model, int32_t output, int32_t n_batch, int32_t n_choices,
                                 int32_t n_tokens) {
    if (!model || n_batch <= 0 || n_choices <= 0 || n_tokens <= 0) return 0;
    return output_floats(model->hp, output, (int64_t) n_batch * n_choices, n_tokens);
}

const char * deberta_head_name(int32_t head) { return arch::head_name(head); }

const char * deberta_gguf_key(int32_t index) {
    static const std::vector<std::string> keys = [] {
        std::vector<std::string> all;
        for (size_t i = 0; i < arch::key_count; ++i) all.push_back(arch::key(arch::key_suffixes[i]));
        return all;
    }();
    return index >= 0 && (size_t) index < keys.size() ? keys[(size_t) index].c_str() : nullptr;
}

const char * deberta_tensor_name(int32_t index) {
    return index >= 0 && (size_t) index < arch::tensor_count ? arch::tensors[index].name : nullptr;
}

deberta_context_params deberta_context_default_params(void) {
    deberta_context_params p{};
    p.n_threads = 0;
    p.max_batch = default_max_batch;
    p.max_tokens = default_max_tokens;
    return p;
}

int32_t deberta_default_threads(void) { return physical_core_count(); }

deberta_status deberta_context_create(deberta_model * model, const deberta_context_params * params,
                                      deberta_context ** context) {
    if (context) *context = nullptr;
    return guarded([&] {
        DEBERTA_CHECK_ARG(model && context, "model and context must not be NULL");
        const deberta_context_params p = params ? *params : deberta_context_default_params();
        *context = create_context(*model, p).release();
    });
}

void deberta_context_free(deberta_context * context) { delete context; }

size_t deberta_context_memory(const deberta_context * context) {
    return context ? context->backends->buffer_size() + context->arena.size() : 0;
}

deberta_status deberta_context_eval(deberta_context * context, const deberta_batch * batch, deberta_outputs * outputs) {
    return guarded([&] {
        DEBERTA_CHECK_ARG(context && batch && outputs, "context, batch and outputs must not be NULL");
        eval(*context, *batch, *outputs);
    });
}

int32_t deberta_context_threads(const deberta_context * context, int32_t n_sequences, int32_t n_tokens) {
    if (!context || n_sequences <= 0 || n_tokens <= 0) return 0;
    return threads_for(*context, n_sequences, bucketed_tokens(n_tokens, context->max_tokens));
}

void deberta_context_cancel(deberta_context * context) {
    if (context) context->cancel_requested.store(true);
}

}  // extern "C"

// The format table's config rules, for the test that holds the converter's copies to them.
extern "C" DEBERTA_API int32_t deberta_testing_normalizes_relative_embeddings(const char * norm_rel_ebd) {
    return norm_rel_ebd && arch::normalizes_relative_embeddings(norm_rel_ebd) ? 1 : 0;
}

extern "C" DEBERTA_API int64_t deberta_testing_attention_span(int64_t position_buckets, int64_t max_relative_positions,
                                                              int64_t max_position_embeddings) {
    return arch::attention_span(position_buckets, max_relative_positions, max_position_embeddings);
}
