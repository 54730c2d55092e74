namespace DebertaGgml.Gguf;

/// <summary>General and model metadata keys of docs/gguf.md (tokenizer keys are in <see cref="GgufTokenizer"/>);
/// the deberta-v2.* keys are tested to equal the native format table (deberta_gguf_key).</summary>
public static class GgufKeys
{
    /// <summary>The value of general.architecture for DeBERTa-v2/v3 (and the prefix of its keys).</summary>
    public const string ArchitectureName = "deberta-v2";
    private const string Arch = ArchitectureName + ".";

    /// <summary>GGUF key <c>general.architecture</c> (docs/gguf.md).</summary>
    public const string Architecture = "general.architecture";
    /// <summary>GGUF key <c>general.name</c> (docs/gguf.md).</summary>
    public const string Name = "general.name";
    /// <summary>GGUF key <c>general.file_type</c> (docs/gguf.md).</summary>
    public const string FileType = "general.file_type";
    /// <summary>GGUF key <c>general.quantization_version</c> (docs/gguf.md).</summary>
    public const string QuantizationVersion = "general.quantization_version";

    /// <summary>GGUF key <c>deberta-v2.context_length</c> (docs/gguf.md).</summary>
    public const string ContextLength = Arch + "context_length";
    /// <summary>GGUF key <c>deberta-v2.embedding_length</c> (docs/gguf.md).</summary>
    public const string EmbeddingLength = Arch + "embedding_length";
    /// <summary>GGUF key <c>deberta-v2.block_count</c> (docs/gguf.md).</summary>
    public const string BlockCount = Arch + "block_count";
    /// <summary>GGUF key <c>deberta-v2.feed_forward_length</c> (docs/gguf.md).</summary>
    public const string FeedForwardLength = Arch + "feed_forward_length";
    /// <summary>GGUF key <c>deberta-v2.attention.head_count</c> (docs/gguf.md).</summary>
    public const string HeadCount = Arch + "attention.head_count";
    /// <summary>GGUF key <c>deberta-v2.attention.layer_norm_epsilon</c> (docs/gguf.md).</summary>
    public const string LayerNormEpsilon = Arch + "attention.layer_norm_epsilon";
    /// <summary>GGUF key <c>deberta-v2.attention.causal</c> (docs/gguf.md).</summary>
    public const string Causal = Arch + "attention.causal";
    /// <summary>GGUF key <c>deberta-v2.pooling_type</c> (docs/gguf.md).</summary>
    public const string PoolingType = Arch + "pooling_type";
    /// <summary>GGUF key <c>deberta-v2.classifier.output_labels</c> (docs/gguf.md).</summary>
    public const string OutputLabels = Arch + "classifier.output_labels";
    /// <summary>GGUF key <c>deberta-v2.head</c> (docs/gguf.md).</summary>
    public const string Head = Arch + "head";
    /// <summary>GGUF key <c>deberta-v2.hf_architecture</c> (docs/gguf.md).</summary>
    public const string HfArchitecture = Arch + "hf_architecture";
    /// <summary>GGUF key <c>deberta-v2.problem_type</c> (docs/gguf.md).</summary>
    public const string ProblemType = Arch + "problem_type";
    /// <summary>GGUF key <c>deberta-v2.vocab_size</c> (docs/gguf.md).</summary>
    public const string VocabSize = Arch + "vocab_size";
    /// <summary>GGUF key <c>deberta-v2.embedding_size</c> (docs/gguf.md).</summary>
    public const string EmbeddingSize = Arch + "embedding_size";
    /// <summary>GGUF key <c>deberta-v2.type_vocab_size</c> (docs/gguf.md).</summary>
    public const string TypeVocabSize = Arch + "type_vocab_size";
    /// <summary>GGUF key <c>deberta-v2.hidden_act</c> (docs/gguf.md).</summary>
    public const string HiddenAct = Arch + "hidden_act";
    /// <summary>GGUF key <c>deberta-v2.relative_attention</c> (docs/gguf.md).</summary>
    public const string RelativeAttention = Arch + "relative_attention";
    /// <summary>GGUF key <c>deberta-v2.max_relative_positions</c> (docs/gguf.md).</summary>
    public const string MaxRelativePositions = Arch + "max_relative_positions";
    /// <summary>GGUF key <c>deberta-v2.position_buckets</c> (docs/gguf.md).</summary>
    public const string PositionBuckets = Arch + "position_buckets";
    /// <summary>GGUF key <c>deberta-v2.pos_att_type</c> (docs/gguf.md).</summary>
    public const string PosAttType = Arch + "pos_att_type";
    /// <summary>GGUF key <c>deberta-v2.share_att_key</c> (docs/gguf.md).</summary>
    public const string ShareAttKey = Arch + "share_att_key";
    /// <summary>GGUF key <c>deberta-v2.norm_rel_ebd</c> (docs/gguf.md).</summary>
    public const string NormRelEbd = Arch + "norm_rel_ebd";
    /// <summary>GGUF key <c>deberta-v2.position_biased_input</c> (docs/gguf.md).</summary>
    public const string PositionBiasedInput = Arch + "position_biased_input";
    /// <summary>GGUF key <c>deberta-v2.conv_kernel_size</c> (docs/gguf.md).</summary>
    public const string ConvKernelSize = Arch + "conv_kernel_size";
    /// <summary>GGUF key <c>deberta-v2.conv_groups</c> (docs/gguf.md).</summary>
    public const string ConvGroups = Arch + "conv_groups";
    /// <summary>GGUF key <c>deberta-v2.conv_act</c> (docs/gguf.md).</summary>
    public const string ConvAct = Arch + "conv_act";
    /// <summary>GGUF key <c>deberta-v2.pooler_hidden_size</c> (docs/gguf.md).</summary>
    public const string PoolerHiddenSize = Arch + "pooler_hidden_size";
    /// <summary>GGUF key <c>deberta-v2.pooler_hidden_act</c> (docs/gguf.md).</summary>
    public const string PoolerHiddenAct = Arch + "pooler_hidden_act";
    /// <summary>GGUF key <c>deberta-v2.pad_token_id</c> (docs/gguf.md).</summary>
    public const string PadTokenId = Arch + "pad_token_id";

    /// <summary>llama.cpp's general.file_type for a file whose weights are mostly <paramref name="type"/>.</summary>
    public static uint FileTypeOf(GgmlType type) => type switch
    {
        GgmlType.F32 => 0,
        GgmlType.F16 => 1,
        GgmlType.Q4_0 => 2,
        GgmlType.Q4_1 => 3,
        GgmlType.Q8_0 => 7,
        GgmlType.Q5_0 => 8,
        GgmlType.Q5_1 => 9,
        GgmlType.Q4_K => 15,
        GgmlType.Q5_K => 17,
        GgmlType.Q6_K => 18,
        GgmlType.BF16 => 32,
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };
}
