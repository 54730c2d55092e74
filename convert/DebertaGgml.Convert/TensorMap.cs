namespace DebertaGgml.Convert;

/// <summary>What a tensor is for; the quantization policy decides per role.</summary>
public enum TensorRole
{
    /// <summary>1-D tensors (norm weights, biases): always F32.</summary>
    Vector,
    /// <summary>Input embedding tables (token, position, token type).</summary>
    Embedding,
    /// <summary>Task head matrices (classifier, QA, MLM).</summary>
    Head,
    /// <summary>Every other matrix (attention, feed-forward, projections, relative embeddings, conv).</summary>
    Weight,
}

/// <summary>One GGUF tensor and where it comes from. <see cref="Dimensions"/> is ggml order (HF shape reversed).</summary>
public sealed record TensorMapping(string GgufName, string HfName, long[] Dimensions)
{
    /// <summary>What the tensor is for, which decides its storage type.</summary>
    public TensorRole Role => TensorMap.RoleOf(GgufName, Dimensions.Length);


    /// <summary>The HF shape (outermost first) the config implies.</summary>
    public long[] HfShape => Dimensions.Reverse().ToArray();
}

/// <summary>
/// HF DeBERTa-v2 parameter names to the GGUF names of docs/gguf.md, with the shape the config implies for each.
/// Only tensors the config calls for are listed, so a missing one is an error and an extra one is reported as unused.
/// The GGUF names, shapes and conditions are those of the loader's table (native/src/arch.cpp); ModelFormatTests holds
/// this copy to it.
/// </summary>
public static class TensorMap
{
    /// <summary>Checkpoint entries that are aliases of another tensor or non-parameter buffers: never converted.</summary>
    public static readonly IReadOnlySet<string> IgnoredNames = new HashSet<string>
    {
        "cls.predictions.decoder.bias",
        "embeddings.position_ids",
    };

    /// <summary>Tied MLM decoder weights: an alias of the word embeddings unless the config unties them.</summary>
    public static readonly IReadOnlyList<string> DecoderWeightNames = ["cls.predictions.decoder.weight", "lm_predictions.lm_head.weight"];

    /// <summary>Every GGUF tensor of a model with this config and head: GGUF name, HF name and GGUF shape.</summary>
    public static IReadOnlyList<TensorMapping> Build(DebertaConfig c, DebertaHead head, int numLabels)
    {
        long h = c.HiddenSize, e = c.EmbeddingSize, ff = c.IntermediateSize, v = c.VocabSize;
        var list = new List<TensorMapping>();
        void Matrix(string gguf, string hf, params long[] ne) => list.Add(new(gguf, hf, ne));
        void Linear(string gguf, string hf, long inputs, long outputs)
        {
            Matrix($"{gguf}.weight", $"{hf}.weight", inputs, outputs);
            Matrix($"{gguf}.bias", $"{hf}.bias", outputs);
        }
        void Norm(string gguf, string hf, long size)
        {
            Matrix($"{gguf}.weight", $"{hf}.weight", size);
            Matrix($"{gguf}.bias", $"{hf}.bias", size);
        }

        Matrix("token_embd.weight", "deberta.embeddings.word_embeddings.weight", e, v);
        if (c.PositionBiasedInput)
            Matrix("position_embd.weight", "deberta.embeddings.position_embeddings.weight", e, c.MaxPositionEmbeddings);
        if (c.TypeVocabSize > 0)
            Matrix("token_types.weight", "deberta.embeddings.token_type_embeddings.weight", e, c.TypeVocabSize);
        if (e != h)
            Matrix("embd_proj.weight", "deberta.embeddings.embed_proj.weight", e, h);
        Norm("token_embd_norm", "deberta.embeddings.LayerNorm", h);

        if (c.RelativeAttention)
            Matrix("rel_embd.weight", "deberta.encoder.rel_embeddings.weight", h, 2L * c.AttentionSpan);
        if (c.NormalizesRelativeEmbeddings)
            Norm("rel_embd_norm", "deberta.encoder.LayerNorm", h);
        if (c.ConvKernelSize > 0)
        {
            Matrix("enc_conv.weight", "deberta.encoder.conv.conv.weight", c.ConvKernelSize, h, h);
            Matrix("enc_conv.bias", "deberta.encoder.conv.conv.bias", h);
            Norm("enc_conv_norm", "deberta.encoder.conv.LayerNorm", h);
        }

        bool separatePositionProjections = c.RelativeAttention && !c.ShareAttKey;
        for (int n = 0; n < c.NumHiddenLayers; n++)
        {
            string blk = $"blk.{n}", layer = $"deberta.encoder.layer.{n}";
            Linear($"{blk}.attn_q", $"{layer}.attention.self.query_proj", h, h);
            Linear($"{blk}.attn_k", $"{layer}.attention.self.key_proj", h, h);
            Linear($"{blk}.attn_v", $"{layer}.attention.self.value_proj", h, h);
            if (separatePositionProjections && c.PosAttType.Contains("c2p"))
                Linear($"{blk}.attn_pos_k", $"{layer}.attention.self.pos_key_proj", h, h);
            if (separatePositionProjections && c.PosAttType.Contains("p2c"))
                Linear($"{blk}.attn_pos_q", $"{layer}.attention.self.pos_query_proj", h, h);
            Linear($"{blk}.attn_output", $"{layer}.attention.output.dense", h, h);
            Norm($"{blk}.attn_output_norm", $"{layer}.attention.output.LayerNorm", h);
            Linear($"{blk}.ffn_up", $"{layer}.intermediate.dense", h, ff);
            Linear($"{blk}.ffn_down", $"{layer}.output.dense", ff, h);
            Norm($"{blk}.layer_output_norm", $"{layer}.output.LayerNorm", h);
        }

        switch (head)
        {
            case DebertaHead.SequenceClassification or DebertaHead.MultipleChoice:
                Linear("cls", "pooler.dense", h, c.PoolerHiddenSize);
                Linear("cls.output", "classifier", c.PoolerHiddenSize, numLabels);
                break;
            case DebertaHead.TokenClassification:
                Linear("cls.output", "classifier", h, numLabels);
                break;
            case DebertaHead.QuestionAnswering:
                Linear("cls.output", "qa_outputs", h, 2);
                break;
            case DebertaHead.MaskedLM:
                string mlm = c.Legacy ? "cls.predictions" : "lm_predictions.lm_head";
                string transform = c.Legacy ? "cls.predictions.transform" : "lm_predictions.lm_head";
                Linear("mlm.dense", $"{transform}.dense", h, e);
                Norm("mlm.norm", $"{transform}.LayerNorm", e);
                Matrix("mlm.output.bias", $"{mlm}.bias", v);
                if (!c.TieWordEmbeddings)
                    Matrix("mlm.output.weight", c.Legacy ? "cls.predictions.decoder.weight" : "lm_predictions.lm_head.weight", e, v);
                break;
        }
        return list;
    }

    /// <summary>The role of a GGUF tensor, from its name (so requantizing a GGUF follows the same policy as converting).</summary>
    public static TensorRole RoleOf(string ggufName, int dimensionCount) =>
        dimensionCount == 1 ? TensorRole.Vector
        : ggufName is "token_embd.weight" or "position_embd.weight" or "token_types.weight" ? TensorRole.Embedding
        : ggufName.StartsWith("cls.") || ggufName.StartsWith("mlm.") ? TensorRole.Head
        : TensorRole.Weight;

    /// <summary>Outputs of the classifier for a head: the config's labels, 1 for multiple choice, 2 (start, end) for QA.</summary>
    public static int LabelCount(DebertaConfig c, DebertaHead head) => head switch
    {
        DebertaHead.SequenceClassification or DebertaHead.TokenClassification => c.Labels.Count,
        DebertaHead.MultipleChoice => 1,
        DebertaHead.QuestionAnswering => 2,
        _ => 0,
    };

    /// <summary>Checkpoint name of an HF parameter: heads' checkpoints carry the "deberta." prefix, DebertaV2Model's do not.</summary>
    public static string? Resolve(string hfName, IReadOnlyDictionary<string, Checkpoints.CheckpointTensor> tensors)
    {
        if (tensors.ContainsKey(hfName)) return hfName;
        const string prefix = "deberta.";
        if (hfName.StartsWith(prefix) && tensors.ContainsKey(hfName[prefix.Length..])) return hfName[prefix.Length..];
        return null;
    }
}
