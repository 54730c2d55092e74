using System.Text.Json;

namespace DebertaGgml.Convert;

/// <summary>
/// The DebertaV2Config fields the model needs. Absent fields take HuggingFace's defaults
/// (those of DebertaV2Config.__init__ and of the getattr fallbacks in modeling_deberta_v2).
/// </summary>
public sealed record DebertaConfig
{
    /// <summary>HF model_type.</summary>
    public string ModelType { get; init; } = "deberta-v2";
    /// <summary>HF architectures (the model class names).</summary>
    public IReadOnlyList<string> Architectures { get; init; } = [];
    /// <summary>HF vocab_size.</summary>
    public int VocabSize { get; init; } = 128100;
    /// <summary>HF hidden_size.</summary>
    public int HiddenSize { get; init; } = 1536;
    /// <summary>HF num_hidden_layers.</summary>
    public int NumHiddenLayers { get; init; } = 24;
    /// <summary>HF num_attention_heads.</summary>
    public int NumAttentionHeads { get; init; } = 24;
    /// <summary>HF intermediate_size.</summary>
    public int IntermediateSize { get; init; } = 6144;
    /// <summary>HF hidden_act.</summary>
    public string HiddenAct { get; init; } = "gelu";
    /// <summary>HF max_position_embeddings.</summary>
    public int MaxPositionEmbeddings { get; init; } = 512;
    /// <summary>HF type_vocab_size (0: no token type embedding).</summary>
    public int TypeVocabSize { get; init; }
    /// <summary>HF layer_norm_eps.</summary>
    public float LayerNormEps { get; init; } = 1e-7f;
    /// <summary>HF relative_attention.</summary>
    public bool RelativeAttention { get; init; }
    /// <summary>HF max_relative_positions (below 1: max_position_embeddings).</summary>
    public int MaxRelativePositions { get; init; } = -1;
    /// <summary>HF position_buckets (0 or less: no log bucketing).</summary>
    public int PositionBuckets { get; init; } = -1;
    /// <summary>HF pos_att_type ("c2p", "p2c").</summary>
    public IReadOnlyList<string> PosAttType { get; init; } = [];
    /// <summary>HF share_att_key.</summary>
    public bool ShareAttKey { get; init; }
    /// <summary>HF norm_rel_ebd ("layer_norm", "none", or a |-separated list).</summary>
    public string NormRelEbd { get; init; } = "none";
    /// <summary>HF position_biased_input.</summary>
    public bool PositionBiasedInput { get; init; } = true;
    /// <summary>HF embedding_size (default: hidden_size).</summary>
    public int EmbeddingSize { get; init; }
    /// <summary>HF conv_kernel_size (0: no ConvLayer).</summary>
    public int ConvKernelSize { get; init; }
    /// <summary>HF conv_act.</summary>
    public string ConvAct { get; init; } = "tanh";
    /// <summary>HF conv_groups (only 1 is accepted).</summary>
    public int ConvGroups { get; init; } = 1;
    /// <summary>HF pooler_hidden_size (default: hidden_size).</summary>
    public int PoolerHiddenSize { get; init; }
    /// <summary>HF pooler_hidden_act.</summary>
    public string PoolerHiddenAct { get; init; } = "gelu";
    /// <summary>HF pad_token_id.</summary>
    public int PadTokenId { get; init; }
    /// <summary>HF legacy (the masked-LM head layout).</summary>
    public bool Legacy { get; init; } = true;
    /// <summary>HF tie_word_embeddings.</summary>
    public bool TieWordEmbeddings { get; init; } = true;
    /// <summary>HF problem_type ("" when absent).</summary>
    public string ProblemType { get; init; } = "";
    /// <summary>Labels in id order; HF's default is two labels LABEL_0, LABEL_1.</summary>
    public IReadOnlyList<string> Labels { get; init; } = ["LABEL_0", "LABEL_1"];

    /// <summary>max_relative_positions with HF's "&lt; 1 means max_position_embeddings" resolved.</summary>
    public int ResolvedMaxRelativePositions => MaxRelativePositions < 1 ? MaxPositionEmbeddings : MaxRelativePositions;

    /// <summary>Half the rows of the relative embedding table.</summary>
    public int AttentionSpan => PositionBuckets > 0 ? PositionBuckets : ResolvedMaxRelativePositions;

    /// <summary>Whether HF applies LayerNorm to the relative embeddings: "layer_norm" among the |-separated entries of norm_rel_ebd.</summary>
    public bool NormalizesRelativeEmbeddings =>
        NormRelEbd.ToLowerInvariant().Split('|').Select(x => x.Trim()).Contains("layer_norm");

    /// <summary>Reads and validates a config.json; throws <see cref="ConvertException"/> naming the file.</summary>
    public static DebertaConfig Load(string path)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConvertException(path, $"cannot read the config: {e.Message}", e);
        }
        catch (JsonException e)
        {
            throw new ConvertException(path, $"not valid JSON: {e.Message}", e);
        }
        using (doc)
        {
            try
            {
                return Parse(doc.RootElement);
            }
            catch (Exception e) when (e is InvalidOperationException or FormatException or JsonException)
            {
                throw new ConvertException(path, $"invalid config: {e.Message}", e);
            }
            catch (NotSupportedException e)
            {
                throw new ConvertException(path, $"unsupported config: {e.Message}", e);
            }
        }
    }

    /// <summary>Reads and validates a parsed config.json with HF's defaults for absent fields.</summary>
    public static DebertaConfig Parse(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object) throw new FormatException("the config is not a JSON object");
        var d = new DebertaConfig();
        int hidden = Int(root, "hidden_size", d.HiddenSize);
        var config = new DebertaConfig
        {
            ModelType = Str(root, "model_type", d.ModelType),
            Architectures = StrList(root, "architectures"),
            VocabSize = Int(root, "vocab_size", d.VocabSize),
            HiddenSize = hidden,
            NumHiddenLayers = Int(root, "num_hidden_layers", d.NumHiddenLayers),
            NumAttentionHeads = Int(root, "num_attention_heads", d.NumAttentionHeads),
            IntermediateSize = Int(root, "intermediate_size", d.IntermediateSize),
            HiddenAct = Str(root, "hidden_act", d.HiddenAct),
            MaxPositionEmbeddings = Int(root, "max_position_embeddings", d.MaxPositionEmbeddings),
            TypeVocabSize = Int(root, "type_vocab_size", d.TypeVocabSize),
            LayerNormEps = (float)Num(root, "layer_norm_eps", d.LayerNormEps),
            RelativeAttention = Bool(root, "relative_attention", d.RelativeAttention),
            MaxRelativePositions = Int(root, "max_relative_positions", d.MaxRelativePositions),
            PositionBuckets = Int(root, "position_buckets", d.PositionBuckets),
            PosAttType = PosAtt(root),
            ShareAttKey = Bool(root, "share_att_key", d.ShareAttKey),
            NormRelEbd = Str(root, "norm_rel_ebd", d.NormRelEbd),
            PositionBiasedInput = Bool(root, "position_biased_input", d.PositionBiasedInput),
            EmbeddingSize = Int(root, "embedding_size", hidden),
            ConvKernelSize = Int(root, "conv_kernel_size", d.ConvKernelSize),
            ConvAct = Str(root, "conv_act", d.ConvAct),
            ConvGroups = Int(root, "conv_groups", d.ConvGroups),
            PoolerHiddenSize = Int(root, "pooler_hidden_size", hidden),
            PoolerHiddenAct = Str(root, "pooler_hidden_act", d.PoolerHiddenAct),
            PadTokenId = Int(root, "pad_token_id", d.PadTokenId),
            Legacy = Bool(root, "legacy", d.Legacy),
            TieWordEmbeddings = Bool(root, "tie_word_embeddings", d.TieWordEmbeddings),
            ProblemType = Str(root, "problem_type", d.ProblemType),
            Labels = ParseLabels(root) ?? d.Labels,
        };
        config.Validate();
        return config;
    }

    private void Validate()
    {
        void Positive(int value, string name)
        {
            if (value <= 0) throw new FormatException($"{name} must be positive, got {value}");
        }
        Positive(VocabSize, "vocab_size");
        Positive(HiddenSize, "hidden_size");
        Positive(NumHiddenLayers, "num_hidden_layers");
        Positive(NumAttentionHeads, "num_attention_heads");
        Positive(IntermediateSize, "intermediate_size");
        Positive(MaxPositionEmbeddings, "max_position_embeddings");
        Positive(EmbeddingSize, "embedding_size");
        Positive(ConvGroups, "conv_groups");
        // The runtime implements the dense convolution only; a grouped one would convert and then not run.
        if (ConvKernelSize > 0 && ConvGroups != 1)
            throw new NotSupportedException($"conv_groups={ConvGroups} (grouped convolution) is not supported; only conv_groups=1 runs");
        // HF pads (k-1)/2 on both sides, so an even kernel shortens the sequence and HF itself cannot add the residual.
        if (ConvKernelSize > 0 && ConvKernelSize % 2 == 0)
            throw new NotSupportedException($"conv_kernel_size={ConvKernelSize} is even; only odd kernels keep the sequence length");
        if (HiddenSize % NumAttentionHeads != 0)
            throw new FormatException($"hidden_size {HiddenSize} is not a multiple of num_attention_heads {NumAttentionHeads}");
        if (TypeVocabSize < 0 || ConvKernelSize < 0) throw new FormatException("type_vocab_size and conv_kernel_size must not be negative");
        foreach (var kind in PosAttType)
            if (kind is not ("c2p" or "p2c")) throw new FormatException($"pos_att_type entry '{kind}' is not c2p or p2c");
    }

    private static bool Has(JsonElement root, string name, out JsonElement value) =>
        root.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null;

    private static int Int(JsonElement root, string name, int fallback)
    {
        if (!Has(root, name, out var v)) return fallback;
        return v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i) ? i : throw new FormatException($"{name} must be an integer, got {v.GetRawText()}");
    }

    private static double Num(JsonElement root, string name, double fallback)
    {
        if (!Has(root, name, out var v)) return fallback;
        return v.ValueKind == JsonValueKind.Number ? v.GetDouble() : throw new FormatException($"{name} must be a number, got {v.GetRawText()}");
    }

    private static bool Bool(JsonElement root, string name, bool fallback)
    {
        if (!Has(root, name, out var v)) return fallback;
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new FormatException($"{name} must be true or false, got {v.GetRawText()}"),
        };
    }

    private static string Str(JsonElement root, string name, string fallback)
    {
        if (!Has(root, name, out var v)) return fallback;
        return v.ValueKind == JsonValueKind.String ? v.GetString()! : throw new FormatException($"{name} must be a string, got {v.GetRawText()}");
    }

    private static IReadOnlyList<string> StrList(JsonElement root, string name)
    {
        if (!Has(root, name, out var v)) return [];
        if (v.ValueKind != JsonValueKind.Array) throw new FormatException($"{name} must be a list of strings");
        return v.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : throw new FormatException($"{name} must be a list of strings")).ToArray();
    }

    /// <summary>pos_att_type as a list or as HF's "c2p|p2c" string, lower-cased and trimmed as HF does.</summary>
    private static IReadOnlyList<string> PosAtt(JsonElement root)
    {
        var items = Has(root, "pos_att_type", out var v) && v.ValueKind == JsonValueKind.String
            ? v.GetString()!.Split('|')
            : StrList(root, "pos_att_type");
        return items.Select(x => x.Trim().ToLowerInvariant()).Where(x => x.Length > 0).ToArray();
    }

    /// <summary>id2label in id order (ids must be 0..n-1); falls back to num_labels, then to HF's default.</summary>
    private static IReadOnlyList<string>? ParseLabels(JsonElement root)
    {
        if (Has(root, "id2label", out var map))
        {
            if (map.ValueKind != JsonValueKind.Object) throw new FormatException("id2label must be an object");
            var pairs = map.EnumerateObject().Select(p => (Id: int.TryParse(p.Name, out int id) ? id : throw new FormatException($"id2label key '{p.Name}' is not an integer"),
                Label: p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : throw new FormatException($"id2label value for {p.Name} is not a string"))).OrderBy(p => p.Id).ToArray();
            for (int i = 0; i < pairs.Length; i++)
                if (pairs[i].Id != i) throw new FormatException($"id2label ids must be 0..{pairs.Length - 1}");
            return pairs.Select(p => p.Label).ToArray();
        }
        if (Has(root, "num_labels", out var n) && n.TryGetInt32(out int count) && count > 0)
            return Enumerable.Range(0, count).Select(i => $"LABEL_{i}").ToArray();
        return null;
    }
}
