namespace DebertaGgml;

/// <summary>What a model computes on top of the encoder (the C API's deberta_head).</summary>
public enum ModelHead
{
    /// <summary>Encoder only (DebertaV2Model): hidden states, usable for embeddings.</summary>
    None = 0,
    SequenceClassification = 1,
    TokenClassification = 2,
    QuestionAnswering = 3,
    MultipleChoice = 4,
    MaskedLM = 5,
}

/// <summary>Tokenizer settings stored in the GGUF (see docs/gguf.md, tokenizer.* keys).</summary>
public sealed record TokenizerSettings(
    int VocabularySize,
    string Source,
    bool DoLowerCase,
    bool SplitByPunct,
    bool ByteFallback,
    int ClsId,
    int SepId,
    int PadId,
    int UnkId,
    int MaskId,
    int? ModelMaxLength);

/// <summary>Architecture, hyperparameters, head, labels and tokenizer of a loaded model.</summary>
public sealed record ModelInfo
{
    public required string Path { get; init; }
    public required string Name { get; init; }
    /// <summary>The HF class the checkpoint came from, e.g. DebertaV2ForSequenceClassification.</summary>
    public required string Architecture { get; init; }
    public required ModelHead Head { get; init; }
    /// <summary>Classifier labels in output order (id2label); empty without a classifier.</summary>
    public required IReadOnlyList<string> Labels { get; init; }
    /// <summary>HF problem_type: single_label_classification, multi_label_classification, regression or empty.</summary>
    public required string ProblemType { get; init; }
    public required int VocabSize { get; init; }
    public required int HiddenSize { get; init; }
    public required int EmbeddingSize { get; init; }
    public required int NumHiddenLayers { get; init; }
    public required int NumAttentionHeads { get; init; }
    public required int IntermediateSize { get; init; }
    public required int MaxPositionEmbeddings { get; init; }
    public required int TypeVocabSize { get; init; }
    public required int NumLabels { get; init; }
    public required bool RelativeAttention { get; init; }
    public required int PositionBuckets { get; init; }
    public required int MaxRelativePositions { get; init; }
    public required bool PositionBiasedInput { get; init; }
    /// <summary>The longest sequence (in tokens, special tokens included) one evaluation accepts.</summary>
    public required int MaxSequenceLength { get; init; }
    public required float LayerNormEps { get; init; }
    /// <summary>Name of the ggml device the weights live on ("CPU", "CUDA0", "Vulkan0", "MTL0").</summary>
    public required string Device { get; init; }
    /// <summary>
    /// Why the model runs on <see cref="Device"/>: "requested", or for <see cref="DebertaDevice.Best"/> which GPU it
    /// took or why none (e.g. "best: no GPU backend is installed, running on the CPU").
    /// </summary>
    public string DeviceReason { get; init; } = "";
    public required long WeightsBytes { get; init; }
    public required TokenizerSettings Tokenizer { get; init; }
}
