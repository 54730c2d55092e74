namespace DebertaGgml.Convert;

/// <summary>The task head of a checkpoint; <see cref="DebertaHeads.GgufName"/> is the value of the ARCH.head key.</summary>
public enum DebertaHead
{
    /// <summary>DebertaV2Model: the encoder only.</summary>
    None,
    /// <summary>DebertaV2ForSequenceClassification.</summary>
    SequenceClassification,
    /// <summary>DebertaV2ForTokenClassification.</summary>
    TokenClassification,
    /// <summary>DebertaV2ForQuestionAnswering.</summary>
    QuestionAnswering,
    /// <summary>DebertaV2ForMultipleChoice.</summary>
    MultipleChoice,
    /// <summary>DebertaV2ForMaskedLM.</summary>
    MaskedLM,
}

/// <summary>Maps HF architecture names and GGUF head names to <see cref="DebertaHead"/>.</summary>
public static class DebertaHeads
{
    private static readonly Dictionary<string, DebertaHead> ByArchitecture = new()
    {
        ["DebertaV2Model"] = DebertaHead.None,
        ["DebertaV2ForMaskedLM"] = DebertaHead.MaskedLM,
        ["DebertaV2ForSequenceClassification"] = DebertaHead.SequenceClassification,
        ["DebertaV2ForTokenClassification"] = DebertaHead.TokenClassification,
        ["DebertaV2ForQuestionAnswering"] = DebertaHead.QuestionAnswering,
        ["DebertaV2ForMultipleChoice"] = DebertaHead.MultipleChoice,
    };

    /// <summary>The HF architectures the converter accepts.</summary>
    public static IEnumerable<string> SupportedArchitectures => ByArchitecture.Keys;

    /// <summary>The head of an HF architecture name; false for one the converter does not know.</summary>
    public static bool TryFromArchitecture(string architecture, out DebertaHead head) => ByArchitecture.TryGetValue(architecture, out head);

    /// <summary>The architecture name HF uses for a head (used when config.json has no architectures).</summary>
    public static string Architecture(DebertaHead head) => ByArchitecture.First(kv => kv.Value == head).Key;

    /// <summary>The value of the GGUF head key (docs/gguf.md).</summary>
    public static string GgufName(DebertaHead head) => head switch
    {
        DebertaHead.None => "none",
        DebertaHead.SequenceClassification => "sequence_classification",
        DebertaHead.TokenClassification => "token_classification",
        DebertaHead.QuestionAnswering => "question_answering",
        DebertaHead.MultipleChoice => "multiple_choice",
        DebertaHead.MaskedLM => "masked_lm",
        _ => throw new ArgumentOutOfRangeException(nameof(head)),
    };

    /// <summary>Whether the head reads the pooled [CLS] vector (llama.cpp pooling type CLS).</summary>
    public static bool UsesPooler(DebertaHead head) => head is DebertaHead.SequenceClassification or DebertaHead.MultipleChoice;

    /// <summary>
    /// A head guessed from tensor names, for a config.json without architectures. Multiple choice cannot be told
    /// apart from one-label sequence classification this way; such checkpoints need their architectures entry.
    /// </summary>
    public static DebertaHead Infer(IEnumerable<string> tensorNames)
    {
        var names = tensorNames.ToHashSet();
        if (names.Any(n => n.StartsWith("cls.predictions.") || n.StartsWith("lm_predictions.lm_head."))) return DebertaHead.MaskedLM;
        if (names.Contains("qa_outputs.weight")) return DebertaHead.QuestionAnswering;
        if (names.Contains("classifier.weight"))
            return names.Contains("pooler.dense.weight") ? DebertaHead.SequenceClassification : DebertaHead.TokenClassification;
        return DebertaHead.None;
    }
}
