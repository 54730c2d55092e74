#include "weight_binding.h"

#include "arch.h"

#include <string>

namespace deberta {

namespace {

// The weight a table tensor binds to.
ggml_tensor ** slot(model_weights & w, arch::tensor id, int64_t layer) {
    using t = arch::tensor;
    layer_weights * l = layer >= 0 ? &w.layers[(size_t) layer] : nullptr;
    switch (id) {
        case t::token_embd: return &w.tok_embd;
        case t::position_embd: return &w.pos_embd;
        case t::token_types: return &w.type_embd;
        case t::embd_proj: return &w.embd_proj;
        case t::embd_norm_w: return &w.embd_norm_w;
        case t::embd_norm_b: return &w.embd_norm_b;
        case t::rel_embd: return &w.rel_embd;
        case t::rel_norm_w: return &w.rel_norm_w;
        case t::rel_norm_b: return &w.rel_norm_b;
        case t::conv_w: return &w.conv_w;
        case t::conv_b: return &w.conv_b;
        case t::conv_norm_w: return &w.conv_norm_w;
        case t::conv_norm_b: return &w.conv_norm_b;
        case t::q_w: return &l->q_w;
        case t::q_b: return &l->q_b;
        case t::k_w: return &l->k_w;
        case t::k_b: return &l->k_b;
        case t::v_w: return &l->v_w;
        case t::v_b: return &l->v_b;
        case t::pos_k_w: return &l->pos_k_w;
        case t::pos_k_b: return &l->pos_k_b;
        case t::pos_q_w: return &l->pos_q_w;
        case t::pos_q_b: return &l->pos_q_b;
        case t::attn_out_w: return &l->attn_out_w;
        case t::attn_out_b: return &l->attn_out_b;
        case t::attn_norm_w: return &l->attn_norm_w;
        case t::attn_norm_b: return &l->attn_norm_b;
        case t::ffn_up_w: return &l->ffn_up_w;
        case t::ffn_up_b: return &l->ffn_up_b;
        case t::ffn_down_w: return &l->ffn_down_w;
        case t::ffn_down_b: return &l->ffn_down_b;
        case t::out_norm_w: return &l->out_norm_w;
        case t::out_norm_b: return &l->out_norm_b;
        case t::pooler_w: return &w.pooler_w;
        case t::pooler_b: return &w.pooler_b;
        case t::cls_w: return &w.cls_w;
        case t::cls_b: return &w.cls_b;
        case t::mlm_dense_w: return &w.mlm_dense_w;
        case t::mlm_dense_b: return &w.mlm_dense_b;
        case t::mlm_norm_w: return &w.mlm_norm_w;
        case t::mlm_norm_b: return &w.mlm_norm_b;
        case t::mlm_out_w: return &w.mlm_out_w;
        case t::mlm_out_b: return &w.mlm_out_b;
    }
    fail(DEBERTA_STATUS_INTERNAL_ERROR, "tensor " + std::to_string((int) id) + " has no weight");
}

std::string describe(const int64_t * ne, size_t n) {
    std::string s = "[";
    for (size_t d = 0; d < n; ++d) s += (d ? ", " : "") + std::to_string(ne[d]);
    return s + "]";
}

} // namespace

std::vector<bound_tensor> bind_weights(deberta_model & m, const gguf_file & file) {
    const auto reject = [&](const std::string & message) { throw gguf_error(file.path() + ": " + message, false); };
    std::vector<bound_tensor> bound;
    m.w.layers.resize((size_t) m.hp.n_layers);
    for (const arch::expected_tensor & want : arch::expected_tensors(m.hp)) {
        const gguf_tensor_info * info = file.find_tensor(want.name);
        if (!info) {
            if (want.spec->optional) continue;
            reject("missing tensor '" + want.name + "'");
        }
        bool same = info->n_dims == want.shape.size();
        for (size_t d = 0; same && d < want.shape.size(); ++d) same = info->ne[d] == want.shape[d];
        if (!same) {
            reject("tensor '" + want.name + "' has shape " + describe(info->ne, info->n_dims) + ", expected " +
                   describe(want.shape.data(), want.shape.size()));
        }
        const bool vector = want.shape.size() == 1;
        // Norm weights and biases take part in element-wise ops, which want F32: F16/BF16 are widened at load.
        if (vector && info->type != GGML_TYPE_F32 && info->type != GGML_TYPE_F16 && info->type != GGML_TYPE_BF16) {
            reject("tensor '" + want.name + "' must be F32, F16 or BF16");
        }
        const ggml_type type = vector ? GGML_TYPE_F32 : (ggml_type) info->type;
        ggml_tensor * t = ggml_new_tensor(m.ctx_weights, type, (int) info->n_dims, info->ne);
        ggml_set_name(t, want.name.c_str());
        *slot(m.w, want.spec->id, want.layer) = t;
        bound.push_back({t, info});
    }

    const hparams & hp = m.hp;
    if (hp.relative_attention && hp.share_att_key) {
        for (layer_weights & l : m.w.layers) l.pos_k_w = l.k_w, l.pos_k_b = l.k_b, l.pos_q_w = l.q_w, l.pos_q_b = l.q_b;
    }
    if (hp.head == DEBERTA_HEAD_MASKED_LM && !m.w.mlm_out_w) {
        // No decoder weights: tied to the word embeddings, which must then be as wide as the transform.
        if (hp.mlm_width != hp.embedding_size) {
            reject("mlm.dense width " + std::to_string(hp.mlm_width) + " differs from the tied word embeddings' " +
                   std::to_string(hp.embedding_size));
        }
        m.w.mlm_out_w = m.w.tok_embd;
    }
    return bound;
}

} // namespace deberta
