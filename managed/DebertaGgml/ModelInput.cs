namespace DebertaGgml;

/// <summary>
/// One evaluation's inputs: row-major [BatchSize, Choices, SequenceLength] token ids, attention mask and
/// (optional, all 0 when null) token type ids, padded on the right. Choices is 1 except for multiple choice.
/// </summary>
public sealed record ModelInput(int[] InputIds, int[] AttentionMask, int[]? TokenTypeIds, int BatchSize, int SequenceLength, int Choices = 1)
{
    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(InputIds, nameof(InputIds));
        ArgumentNullException.ThrowIfNull(AttentionMask, nameof(AttentionMask));
        if (BatchSize < 1 || SequenceLength < 1 || Choices < 1)
            throw new ArgumentException($"batch shape [{BatchSize}, {Choices}, {SequenceLength}] must be positive", nameof(ModelInput));
        long n = (long)BatchSize * Choices * SequenceLength;
        if (InputIds.Length != n) throw new ArgumentException($"InputIds has {InputIds.Length} ids, the shape needs {n}", nameof(InputIds));
        if (AttentionMask.Length != n) throw new ArgumentException($"AttentionMask has {AttentionMask.Length} values, the shape needs {n}", nameof(AttentionMask));
        if (TokenTypeIds != null && TokenTypeIds.Length != n)
            throw new ArgumentException($"TokenTypeIds has {TokenTypeIds.Length} values, the shape needs {n}", nameof(TokenTypeIds));
    }
}

/// <summary>Which outputs an evaluation computes and copies back.</summary>
[Flags]
public enum ModelOutputKinds
{
    /// <summary>Nothing beyond running the graph (e.g. to warm it).</summary>
    None = 0,
    /// <summary>[BatchSize*Choices, SequenceLength, HiddenSize]</summary>
    LastHiddenState = 1,
    /// <summary>[Layers+1, BatchSize*Choices, SequenceLength, HiddenSize]: embeddings, then every layer.</summary>
    HiddenStates = 2,
    /// <summary>The head's output: Logits, or StartLogits/EndLogits for question answering.</summary>
    Logits = 4,
}

/// <summary>
/// Outputs of one evaluation (null when not requested), row-major float arrays. Logits by head:
/// sequence classification [B, labels], token classification [B, T, labels], multiple choice [B, C],
/// masked LM [B, T, vocab]; question answering fills StartLogits/EndLogits [B, T] instead.
/// </summary>
public sealed record ModelOutput(
    int BatchSize,
    int Choices,
    int SequenceLength,
    float[]? LastHiddenState,
    float[]? HiddenStates,
    float[]? Logits,
    float[]? StartLogits,
    float[]? EndLogits);
