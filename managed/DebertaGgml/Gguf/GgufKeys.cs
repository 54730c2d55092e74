namespace DebertaGgml.Gguf;

/// <summary>General and model metadata keys of docs/gguf.md (tokenizer keys are in <see cref="GgufTokenizer"/>).</summary>
public static class GgufKeys
{
    public const string ArchitectureName = "deberta-v2";
    private const string Arch = ArchitectureName + ".";

    public const string Architecture = "general.architecture";
    public const string Name = "general.name";
    public const string FileType = "general.file_type";
    public const string QuantizationVersion = "general.quantization_version";

    public const string ContextLength = Arch + "context_length";
    public const string EmbeddingLength = Arch + "embedding_length";
    public const string BlockCount = Arch + "block_count";
    public const string FeedForwardLength = Arch + "feed_forward_length";
    public const string HeadCount = Arch + "attention.head_count";
    public const string LayerNormEpsilon = Arch + "attention.layer_norm_epsilon";
    public const string Causal = Arch + "attention.causal";
    public const string PoolingType = Arch + "pooling_type";
    public const string OutputLabels = Arch + "classifier.output_labels";
    public const string Head = Arch + "head";
    public const string HfArchitecture = Arch + "hf_architecture";
    public const string ProblemType = Arch + "problem_type";
    public const string VocabSize = Arch + "vocab_size";
    public const string EmbeddingSize = Arch + "embedding_size";
    public const string TypeVocabSize = Arch + "type_vocab_size";
    public const string HiddenAct = Arch + "hidden_act";
    public const string RelativeAttention = Arch + "relative_attention";
    public const string MaxRelativePositions = Arch + "max_relative_positions";
    public const string PositionBuckets = Arch + "position_buckets";
    public const string PosAttType = Arch + "pos_att_type";
    public const string ShareAttKey = Arch + "share_att_key";
    public const string NormRelEbd = Arch + "norm_rel_ebd";
    public const string PositionBiasedInput = Arch + "position_biased_input";
    public const string ConvKernelSize = Arch + "conv_kernel_size";
    public const string ConvGroups = Arch + "conv_groups";
    public const string ConvAct = Arch + "conv_act";
    public const string PoolerHiddenSize = Arch + "pooler_hidden_size";
    public const string PoolerHiddenAct = Arch + "pooler_hidden_act";
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
