namespace DebertaGgml;

/// <summary>What a model computes on top of the encoder (the C API's deberta_head).</summary>
public enum ModelHead
{
    /// <summary>Encoder only (DebertaV2Model): hidden states, usable for embeddings.</summary>
    None = 0,
    /// <summary>Pooler and classifier: logits [B, labels].</summary>
    SequenceClassification = 1,
    /// <summary>Classifier per token: logits [B, T, labels].</summary>
    TokenClassification = 2,
    /// <summary>Span start and end logits [B, T].</summary>
    QuestionAnswering = 3,
    /// <summary>Inputs [B, C, T], logits [B, C].</summary>
    MultipleChoice = 4,
    /// <summary>Masked-LM logits [B, T, vocab].</summary>
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
    /// <summary>Full path of the GGUF file.</summary>
    public required string Path { get; init; }
    /// <summary>general.name ("" when absent).</summary>
    public required string Name { get; init; }
    /// <summary>The HF class the checkpoint came from, e.g. DebertaV2ForSequenceClassification.</summary>
    public required string Architecture { get; init; }
    /// <summary>What the model computes on top of the encoder.</summary>
    public required ModelHead Head { get; init; }
    /// <summary>Classifier labels in output order (id2label); empty without a classifier.</summary>
    public required IReadOnlyList<string> Labels { get; init; }
    /// <summary>HF problem_type: single_label_classification, multi_label_classification, regression or empty.</summary>
    public required string ProblemType { get; init; }
    /// <summary>Rows of the word embedding.</summary>
    public required int VocabSize { get; init; }
    /// <summary>Width of the hidden states.</summary>
    public required int HiddenSize { get; init; }
    /// <summary>Width of the word embedding (projected to HiddenSize when it differs).</summary>
    public required int EmbeddingSize { get; init; }
    /// <summary>Encoder layers.</summary>
    public required int NumHiddenLayers { get; init; }
    /// <summary>Attention heads per layer.</summary>
    public required int NumAttentionHeads { get; init; }
    /// <summary>Width of the feed-forward layer.</summary>
    public required int IntermediateSize { get; init; }
    /// <summary>Rows of the absolute position embedding (HF config value).</summary>
    public required int MaxPositionEmbeddings { get; init; }
    /// <summary>Token types (0: none).</summary>
    public required int TypeVocabSize { get; init; }
    /// <summary>Outputs of the classifier; 0 without one.</summary>
    public required int NumLabels { get; init; }
    /// <summary>Whether attention has the disentangled relative-position terms.</summary>
    public required bool RelativeAttention { get; init; }
    /// <summary>Log buckets of relative positions; 0 or less: none.</summary>
    public required int PositionBuckets { get; init; }
    /// <summary>Largest relative distance, as used (after HF's -1 default is resolved).</summary>
    public required int MaxRelativePositions { get; init; }
    /// <summary>Whether absolute position embeddings are added to the input.</summary>
    public required bool PositionBiasedInput { get; init; }
    /// <summary>The longest sequence (in tokens, special tokens included) one evaluation accepts.</summary>
    public required int MaxSequenceLength { get; init; }
    /// <summary>Epsilon of every LayerNorm.</summary>
    public required float LayerNormEps { get; init; }
    /// <summary>Name of the ggml device the weights live on ("CPU", "CUDA0", "Vulkan0", "MTL0").</summary>
    public required string Device { get; init; }
    /// <summary>
    /// Why the model runs on <see cref="Device"/>: "requested", or for <see cref="DebertaDevice.Best"/> which GPU it
    /// took or why none (e.g. "best: no GPU backend is installed, running on the CPU").
    /// </summary>
    public string DeviceReason { get; init; } = "";
    /// <summary>Bytes of weights held in backend buffers.</summary>
    public required long WeightsBytes { get; init; }
    /// <summary>
    /// Weight matrices multiplied by libdeberta's own CPU kernels (AVX-512 VNNI for Q8_0, AVX-512 BF16, AVX-512 FMA for
    /// F32 and F16; on AVX2 processors, AVX2 forms of all four) instead of ggml's; 0 on other devices and processors, or
    /// with the environment variable DEBERTA_KERNELS=ggml (DEBERTA_KERNELS=avx2 keeps to the AVX2 kernels).
    /// </summary>
    public required long OwnKernelWeights { get; init; }
    /// <summary>The tokenizer settings stored in the GGUF.</summary>
    public required TokenizerSettings Tokenizer { get; init; }
}
