// The forward graph. Tensor shapes in comments are ggml order (innermost first): H hidden size,
// E embedding size, T tokens, S sequences, d head size, nh heads, W = relative_rows(T) = 2T-1 relative distances + 1 pad.
#include "graph.h"

#include "deberta.h"

#include <algorithm>
#include <cmath>

namespace deberta {

namespace {

class graph_builder {
public:
    graph_builder(ggml_context * ctx, ggml_cgraph * gf, const deberta_model & model, const graph_shape & shape)
        : ctx_(ctx), gf_(gf), m_(model), hp_(model.hp), w_(model.w), T_(shape.n_tokens), S_(shape.n_seqs), shape_(shape) {}

    graph_io build() {
        make_inputs();
        ggml_tensor * embeddings = build_embeddings();
        ggml_tensor * cur = embeddings;
        if (shape_.all_hidden) io_.hidden.push_back(output(cur));
        for (int64_t il = 0; il < hp_.n_layers; ++il) {
            cur = build_layer(cur, il);
            if (il == 0 && w_.conv_w) cur = build_conv(embeddings, cur);
            if (shape_.all_hidden && il + 1 < hp_.n_layers) io_.hidden.push_back(output(cur));
        }
        io_.hidden.push_back(output(cur));
        if (shape_.head && hp_.head != DEBERTA_HEAD_NONE) io_.logits = output(build_head(cur));
        return io_;
    }

private:
    // Names every intermediate ("name-il") so that graphs can be inspected node by node.
    ggml_tensor * cb(ggml_tensor * t, const char * name, int64_t il = -1) {
        if (il >= 0) ggml_format_name(t, "%s-%d", name, (int) il);
        else ggml_set_name(t, name);
        return t;
    }

    ggml_tensor * output(ggml_tensor * t) {
        ggml_set_output(t);
        ggml_build_forward_expand(gf_, t);
        return t;
    }

    ggml_tensor * input(ggml_type type, int64_t ne0, int64_t ne1, int64_t ne2, int64_t ne3, const char * name) {
        ggml_tensor * t = ggml_new_tensor_4d(ctx_, type, ne0, ne1, ne2, ne3);
        ggml_set_input(t);
        return cb(t, name);
    }

    void make_inputs() {
        io_.ids = input(GGML_TYPE_I32, T_ * S_, 1, 1, 1, "inp_ids");
        if (w_.type_embd) io_.type_ids = input(GGML_TYPE_I32, T_ * S_, 1, 1, 1, "inp_type_ids");
        if (w_.pos_embd) io_.positions = input(GGML_TYPE_I32, T_, 1, 1, 1, "inp_positions");
        io_.token_mask = input(GGML_TYPE_F32, 1, T_, S_, 1, "inp_token_mask");
        io_.kq_mask = input(GGML_TYPE_F32, T_, T_, 1, S_, "inp_kq_mask");
        if (hp_.relative_attention && hp_.c2p) io_.rel_c2p = input(GGML_TYPE_I32, relative_rows(T_), 1, 1, 1, "inp_rel_c2p");
        if (hp_.relative_attention && hp_.p2c) io_.rel_p2c = input(GGML_TYPE_I32, relative_rows(T_), 1, 1, 1, "inp_rel_p2c");
    }

    ggml_tensor * layer_norm(ggml_tensor * x, ggml_tensor * weight, ggml_tensor * bias) {
        x = ggml_norm(ctx_, x, hp_.layer_norm_eps);
        return ggml_add(ctx_, ggml_mul(ctx_, x, weight), bias);
    }

    // nn.Linear, then act: weight ne = [in, out] -> [out, ...]. The product sees a 2-D input (all tokens of all
    // sequences as rows) because ggml's repacked-weight kernels take 2-D operands only. Bias and GELU go to the product,
    // which runs them in our kernels' output stage when the weight is packed.
    ggml_tensor * linear(ggml_tensor * x, ggml_tensor * weight, ggml_tensor * bias, activation act = activation::identity) {
        ggml_tensor * rows = ggml_reshape_2d(ctx_, x, x->ne[0], ggml_nelements(x) / x->ne[0]);
        const bool gelu = act == activation::gelu_erf;
        ggml_tensor * y = weight_product(ctx_, m_.packed, weight, rows, bias, gelu);
        y = ggml_reshape_4d(ctx_, y, weight->ne[1], x->ne[1], x->ne[2], x->ne[3]);
        return gelu ? y : activate(y, act);
    }

    ggml_tensor * activate(ggml_tensor * x, activation act) {
        switch (act) {
            case activation::gelu_erf: return gelu_erf_node(ctx_, m_.packed, x);
            case activation::gelu_tanh: return ggml_gelu(ctx_, x);
            case activation::relu: return ggml_relu(ctx_, x);
            case activation::tanh: return ggml_tanh(ctx_, x);
            case activation::sigmoid: return ggml_sigmoid(ctx_, x);
            case activation::silu: return ggml_silu(ctx_, x);
            case activation::identity: return x;
        }
        return x;
    }

    // DebertaV2Embeddings: word (+ absolute position) (+ token type), embed_proj, LayerNorm, x mask.
    ggml_tensor * build_embeddings() {
        ggml_tensor * x = ggml_get_rows(ctx_, w_.tok_embd, io_.ids);                    // [E, T*S]
        x = ggml_reshape_3d(ctx_, x, hp_.embedding_size, T_, S_);                      // [E, T, S]
        if (w_.pos_embd) x = ggml_add(ctx_, x, ggml_get_rows(ctx_, w_.pos_embd, io_.positions)); // + [E, T]
        if (w_.type_embd) {
            ggml_tensor * types = ggml_get_rows(ctx_, w_.type_embd, io_.type_ids);    // [E, T*S]
            x = ggml_add(ctx_, x, ggml_reshape_3d(ctx_, types, hp_.embedding_size, T_, S_));
        }
        if (w_.embd_proj) x = ggml_mul_mat(ctx_, w_.embd_proj, x);                     // [H, T, S]
        x = layer_norm(x, w_.embd_norm_w, w_.embd_norm_b);
        return cb(ggml_mul(ctx_, x, io_.token_mask), "embeddings");                    // [H, T, S]
    }

    // [H, T, S] -> heads [d, T, nh, S] (a view).
    ggml_tensor * split_heads(ggml_tensor * x) {
        x = ggml_reshape_4d(ctx_, x, hp_.head_dim, hp_.n_heads, T_, S_);
        return ggml_permute(ctx_, x, 0, 2, 1, 3);
    }

    // Rows of a precomputed position projection [H, 2*span] for the W distances -> [d, W, nh] (a view).
    ggml_tensor * position_heads(ggml_tensor * table, ggml_tensor * rows) {
        ggml_tensor * x = ggml_get_rows(ctx_, table, rows);                             // [H, W]
        x = ggml_reshape_3d(ctx_, x, hp_.head_dim, hp_.n_heads, rows->ne[0]);           // [d, nh, W]
        return ggml_permute(ctx_, x, 0, 2, 1, 3);                                       // [d, W, nh]
    }

    // full [W, T, nh, S] holds one score per (distance column, token row). Row r needs columns T-1-r .. 2T-2-r,
    // which in memory is a view with a row stride one element shorter than the row: [T, T, nh, S].
    ggml_tensor * relative_shift(ggml_tensor * full) {
        const size_t f = ggml_element_size(full);
        return ggml_view_4d(ctx_, full, T_, T_, hp_.n_heads, S_, (full->ne[0] - 1) * f, full->nb[2], full->nb[3], (T_ - 1) * f);
    }

    // DisentangledSelfAttention; x [H, T, S] -> context [H, T, S].
    ggml_tensor * build_attention(ggml_tensor * x, int64_t il) {
        const layer_weights & l = w_.layers[il];
        // For ggml's mul_mat, q and k are copied once into head-major order: QK^T, c2p and p2c then take ggml's GEMM
        // paths, which need a contiguous second operand (on the permuted views they ran a dot-product loop). Our
        // attention products read the views.
        const auto heads = [&](ggml_tensor * t) { return m_.packed.own_ops_level != kernels::isa_level::none ? split_heads(t) : ggml_cont(ctx_, split_heads(t)); };
        ggml_tensor * q = heads(cb(linear(x, l.q_w, l.q_b), "q", il));                  // [d, T, nh, S]
        ggml_tensor * k = heads(cb(linear(x, l.k_w, l.k_b), "k", il));                  // [d, T, nh, S]
        ggml_tensor * v = cb(linear(x, l.v_w, l.v_b), "v", il);
        v = ggml_reshape_4d(ctx_, v, hp_.head_dim, hp_.n_heads, T_, S_);
        v = ggml_cont(ctx_, ggml_permute(ctx_, v, 1, 2, 0, 3));                         // [T, d, nh, S]

        // Scores are summed unscaled; the softmax applies 1/sqrt(d * (1 + position terms)) to all of them.
        ggml_tensor * scores = cb(activation_product(ctx_, m_.packed, k, q), "kq", il);  // [T_k, T_q, nh, S]
        if (hp_.relative_attention && hp_.c2p) {
            // content -> position: q_i . pos_key[row(i - j)]; one gather serves every head and sequence.
            ggml_tensor * pk = position_heads(l.pos_key, io_.rel_c2p);
            ggml_tensor * full = cb(activation_product(ctx_, m_.packed, pk, q), "c2p_full", il); // [W, T_q, nh, S]
            scores = ggml_add(ctx_, scores, cb(relative_shift(full), "c2p", il));     // add reads the strided view
        }
        if (hp_.relative_attention && hp_.p2c) {
            // position -> content: k_j . pos_query[row(i - j)], computed per key row, then transposed.
            ggml_tensor * pq = position_heads(l.pos_query, io_.rel_p2c);
            ggml_tensor * full = cb(activation_product(ctx_, m_.packed, pq, k), "p2c_full", il); // [W, T_k, nh, S]
            ggml_tensor * p2c = ggml_transpose(ctx_, relative_shift(full));                 // [T_k, T_q, nh, S]
            scores = ggml_add(ctx_, scores, cb(p2c, "p2c", il));                        // add reads the transposed view
        }
        ggml_tensor * probs = ggml_soft_max_ext(ctx_, scores, io_.kq_mask, 1.0f / hp_.attention_scale(), 0.0f);
        cb(probs, "attn_probs", il);
        ggml_tensor * ctx_layer = activation_product(ctx_, m_.packed, v, probs);         // [d, T_q, nh, S]
        ctx_layer = ggml_cont(ctx_, ggml_permute(ctx_, ctx_layer, 0, 2, 1, 3));           // [d, nh, T, S]
        return cb(ggml_reshape_3d(ctx_, ctx_layer, hp_.hidden_size, T_, S_), "attn_context", il);
    }

    // DebertaV2Layer: attention, SelfOutput (dense, residual, LayerNorm), Intermediate, Output.
    ggml_tensor * build_layer(ggml_tensor * x, int64_t il) {
        const layer_weights & l = w_.layers[il];
        ggml_tensor * attn = build_attention(x, il);
        attn = ggml_add(ctx_, linear(attn, l.attn_out_w, l.attn_out_b), x);
        attn = cb(layer_norm(attn, l.attn_norm_w, l.attn_norm_b), "attn_out", il);      // [H, T, S]
        ggml_tensor * ffn = linear(attn, l.ffn_up_w, l.ffn_up_b, hp_.hidden_act);         // [I, T, S]
        ffn = ggml_add(ctx_, linear(cb(ffn, "ffn_act", il), l.ffn_down_w, l.ffn_down_b), attn);
        return cb(layer_norm(ffn, l.out_norm_w, l.out_norm_b), "layer_out", il);         // [H, T, S]
    }

    // ConvLayer (after layer 0): conv1d over the embedding output in F32 (im2col + mul_mat; ggml_conv_1d
    // would round through F16), masked, activated, added to the layer output, LayerNorm, x mask.
    ggml_tensor * build_conv(ggml_tensor * embeddings, ggml_tensor * residual) {
        const int64_t K = hp_.conv_kernel_size, H = hp_.hidden_size;
        ggml_tensor * channels_first = ggml_cont(ctx_, ggml_permute(ctx_, embeddings, 1, 0, 2, 3)); // [T, H, S]
        ggml_tensor * cols = ggml_im2col(ctx_, w_.conv_w, channels_first, 1, 0, (int) (K - 1) / 2, 0, 1, 0, false,
                                         GGML_TYPE_F32);                                          // [K*H, T, S]
        ggml_tensor * out = ggml_mul_mat(ctx_, ggml_reshape_2d(ctx_, w_.conv_w, K * H, H),
                                         ggml_reshape_2d(ctx_, cols, K * H, T_ * S_));             // [H, T*S]
        out = ggml_add(ctx_, ggml_reshape_3d(ctx_, out, H, T_, S_), w_.conv_b);
        out = activate(ggml_mul(ctx_, out, io_.token_mask), hp_.conv_act);
        out = layer_norm(ggml_add(ctx_, residual, cb(out, "conv", 0)), w_.conv_norm_w, w_.conv_norm_b);
        return cb(ggml_mul(ctx_, out, io_.token_mask), "conv_out", 0);
    }

    // Head outputs: sequence classification [labels, S]; multiple choice [1, S] (= [C, B]);
    // token classification [labels, T, S]; QA [2, T, S] (start, end interleaved); masked LM [vocab, T, S].
    ggml_tensor * build_head(ggml_tensor * h) {
        switch (hp_.head) {
            case DEBERTA_HEAD_SEQUENCE_CLASSIFICATION:
            case DEBERTA_HEAD_MULTIPLE_CHOICE: {
                ggml_tensor * first = ggml_view_2d(ctx_, h, hp_.hidden_size, S_, h->nb[2], 0);              // [H, S]
                if (!ggml_is_contiguous(first)) first = ggml_cont(ctx_, first); // one sequence needs no copy
                ggml_tensor * pooled = cb(linear(first, w_.pooler_w, w_.pooler_b, hp_.pooler_act), "pooled");
                return cb(linear(pooled, w_.cls_w, w_.cls_b), "logits");
            }
            case DEBERTA_HEAD_TOKEN_CLASSIFICATION:
            case DEBERTA_HEAD_QUESTION_ANSWERING:
                return cb(linear(h, w_.cls_w, w_.cls_b), "logits");
            case DEBERTA_HEAD_MASKED_LM: {
                ggml_tensor * x = linear(h, w_.mlm_dense_w, w_.mlm_dense_b, hp_.hidden_act);
                x = cb(layer_norm(x, w_.mlm_norm_w, w_.mlm_norm_b), "mlm_transform");
                return cb(linear(x, w_.mlm_out_w, w_.mlm_out_b), "logits");
            }
            default:
                return nullptr;
        }
    }

    ggml_context * ctx_;
    ggml_cgraph * gf_;
    const deberta_model & m_;
    const hparams & hp_;
    const model_weights & w_;
    const int64_t T_, S_;
    const graph_shape shape_;
    graph_io io_;
};

} // namespace

graph_io build_graph(ggml_context * ctx, ggml_cgraph * gf, const deberta_model & model, const graph_shape & shape) {
    return graph_builder(ctx, gf, model, shape).build();
}

size_t graph_size(const hparams & hp) {
    // About 40 nodes per layer, plus views and head; generous so a config variant cannot overflow it.
    return 256 + (size_t) hp.n_layers * 96;
}

void build_position_graph(ggml_context * ctx, ggml_cgraph * gf, const deberta_model & model, int64_t first, int64_t count,
                          ggml_tensor ** rows) {
    const hparams & hp = model.hp;
    const model_weights & w = model.w;
    const auto destination = [&](ggml_tensor * table) {
        return ggml_view_2d(ctx, table, table->ne[0], count, table->nb[1], (size_t) first * table->nb[1]);
    };
    *rows = ggml_new_tensor_1d(ctx, GGML_TYPE_I32, count);
    ggml_set_input(*rows);
    ggml_set_name(*rows, "inp_rel_rows");
    // get_rows also widens an F16/quantized table to F32.
    ggml_tensor * rel = ggml_get_rows(ctx, w.rel_embd, *rows);                         // [H, count]
    if (hp.norm_rel_ebd) {
        rel = ggml_add(ctx, ggml_mul(ctx, ggml_norm(ctx, rel, hp.layer_norm_eps), w.rel_norm_w), w.rel_norm_b);
    }
    ggml_set_name(rel, "rel_embeddings");
    for (const layer_weights & l : w.layers) {
        if (l.pos_key) {
            // pos_k_w may alias k_w, which packing rearranged: multiply through weight_product.
            ggml_tensor * pk = weight_product(ctx, model.packed, l.pos_k_w, rel, l.pos_k_b);
            ggml_build_forward_expand(gf, ggml_cpy(ctx, pk, destination(l.pos_key)));
        }
        if (l.pos_query) {
            ggml_tensor * pq = weight_product(ctx, model.packed, l.pos_q_w, rel, l.pos_q_b);
            ggml_build_forward_expand(gf, ggml_cpy(ctx, pq, destination(l.pos_query)));
        }
    }
}

int64_t log_bucket_position(int64_t relative, int64_t bucket_size, int64_t max_position) {
    const int64_t mid = bucket_size / 2;
    const int64_t magnitude = relative < 0 ? -relative : relative;
    if (magnitude <= mid) return relative;
    // float32 throughout, in HF's order of operations: ceil(log(|r|/mid) / log((max-1)/mid) * (mid-1)) + mid.
    const float ratio = (float) magnitude / (float) mid;
    const float span_ratio = (float) ((double) (max_position - 1) / (double) mid);
    const float scaled = std::log(ratio) / std::log(span_ratio) * (float) (mid - 1);
    const int64_t bucket = (int64_t) (std::ceil(scaled) + (float) mid);
    return relative < 0 ? -bucket : bucket;
}

int32_t relative_embedding_row(const hparams & hp, int64_t distance) {
    const int64_t bucket = hp.position_buckets > 0
        ? log_bucket_position(distance, hp.position_buckets, hp.max_relative_positions)
        : distance;
    return (int32_t) std::clamp<int64_t>(bucket + hp.att_span, 0, 2 * hp.att_span - 1);
}

} // namespace deberta
