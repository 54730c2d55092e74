using DebertaGgml.Pipelines;
using DebertaGgml.Tokenization;

namespace DebertaGgml;

/// <summary>Options of <c>DebertaModel.ZeroShotClassify</c>.</summary>
public sealed record ZeroShotOptions : PipelineOptions
{
    /// <summary>Hypothesis built for each candidate label; "{}" is replaced by the label.</summary>
    public string HypothesisTemplate { get; init; } = "This example is {}.";
    /// <summary>false: scores sum to 1 over the labels; true: each label scored on its own (entailment vs contradiction).</summary>
    public bool MultiLabel { get; init; }
}

/// <summary>Candidate labels best first; LabelScore.Id is the label's index in the candidate list.</summary>
public sealed record ZeroShotResult(string Sequence, IReadOnlyList<LabelScore> Scores, bool Truncated)
{
    /// <summary>The highest-scoring label.</summary>
    [System.Text.Json.Serialization.JsonIgnore] public LabelScore Top => Scores[0];

    bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"Sequence = {Sequence}, Scores = {RecordText.List(Scores)}, Truncated = {Truncated}");
        return true;
    }
}

public sealed partial class DebertaModel
{
    /// <summary>
    /// Scores candidate labels for a text with an NLI model (HF zero-shot-classification): each label becomes the
    /// hypothesis of a (text, hypothesis) pair. A single candidate is always scored on its own (multi-label).
    /// </summary>
    public ZeroShotResult ZeroShotClassify(string text, IReadOnlyList<string> candidateLabels, ZeroShotOptions? options = null,
                                           CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        return ZeroShotClassify([text], candidateLabels, options, cancellationToken)[0];
    }

    /// <summary>Scores candidate labels for each text with an NLI model (entailment of "This example is {label}.").</summary>
    public IReadOnlyList<ZeroShotResult> ZeroShotClassify(IReadOnlyList<string> texts, IReadOnlyList<string> candidateLabels,
                                                          ZeroShotOptions? options = null, CancellationToken cancellationToken = default)
    {
        PipelineInputs.CheckTexts(texts, nameof(texts));
        PipelineInputs.CheckTexts(candidateLabels, nameof(candidateLabels));
        if (candidateLabels.Count == 0) throw new ArgumentException("at least one candidate label is needed", nameof(candidateLabels));
        options ??= new ZeroShotOptions();
        PipelineInputs.RequireHead(this, ModelHead.SequenceClassification, "ZeroShotClassify");
        var (entailment, contradiction) = ZeroShotPostProcessing.NliIds(Info.Labels);
        var hypotheses = candidateLabels.Select(l => ZeroShotPostProcessing.Hypothesis(options.HypothesisTemplate, l)).ToArray();

        // One (text, hypothesis) pair per text and label; the premise is what gets truncated (HF: only_first).
        int labels = candidateLabels.Count;
        var encoded = texts.SelectMany(t => hypotheses.Select(h => PipelineInputs.Encode(this, t, h, options, TruncationStrategy.OnlyFirst, "text"))).ToArray();
        var logits = new float[encoded.Length][];
        BatchRunner.Run(this, encoded.Select(e => PipelineInputs.Single(e.Encoding)).ToArray(), ModelOutputKinds.Logits,
            (i, output, row) => logits[i] = PipelineInputs.Row(output.Logits!, row, Info.NumLabels).ToArray(), cancellationToken);

        bool multiLabel = options.MultiLabel || labels == 1;
        return texts.Select((text, t) =>
        {
            var scores = ZeroShotPostProcessing.Score(logits[(t * labels)..((t + 1) * labels)], entailment, contradiction, multiLabel);
            var ranked = Scores.TopK(scores, labels).Select(l => new LabelScore(candidateLabels[l], l, scores[l])).ToArray();
            return new ZeroShotResult(text, ranked, encoded.Skip(t * labels).Take(labels).Any(e => e.Truncated));
        }).ToArray();
    }
}

internal static class ZeroShotPostProcessing
{
    /// <summary>
    /// HF's choice of NLI outputs: entailment = the first label starting with "entail" (case-insensitive),
    /// else the last label; contradiction = label 0, or the last label when entailment is 0.
    /// </summary>
    public static (int Entailment, int Contradiction) NliIds(IReadOnlyList<string> labels)
    {
        int entailment = EntailmentLabel(labels) ?? labels.Count - 1;
        return (entailment, entailment == 0 ? labels.Count - 1 : 0);
    }

    /// <summary>The first label starting with "entail" (case-insensitive), or null when the model has none.</summary>
    public static int? EntailmentLabel(IReadOnlyList<string> labels)
    {
        for (int i = 0; i < labels.Count; i++)
            if (labels[i].StartsWith("entail", StringComparison.OrdinalIgnoreCase)) return i;
        return null;
    }

    public static string Hypothesis(string template, string label) =>
        template.Contains("{}", StringComparison.Ordinal)
            ? template.Replace("{}", label, StringComparison.Ordinal)
            : throw new ArgumentException($"hypothesis template '{template}' has no '{{}}' for the label", nameof(ZeroShotOptions.HypothesisTemplate));

    /// <summary>Scores of each candidate from the NLI logits of its (text, hypothesis) pair.</summary>
    public static float[] Score(IReadOnlyList<float[]> pairLogits, int entailment, int contradiction, bool multiLabel)
    {
        if (multiLabel)
            return pairLogits.Select(l => Scores.Softmax([l[contradiction], l[entailment]])[1]).ToArray();
        return Scores.Softmax(pairLogits.Select(l => l[entailment]).ToArray());
    }
}
