using DebertaGgml.Pipelines;

namespace DebertaGgml;

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
    public LabelScore Top => Scores[0];
}

internal static class ZeroShotPostProcessing
{
    /// <summary>
    /// HF's choice of NLI outputs: entailment = the first label starting with "entail" (case-insensitive),
    /// else the last label; contradiction = label 0, or the last label when entailment is 0.
    /// </summary>
    public static (int Entailment, int Contradiction) NliIds(IReadOnlyList<string> labels)
    {
        int entailment = labels.Count - 1;
        for (int i = 0; i < labels.Count; i++)
            if (labels[i].StartsWith("entail", StringComparison.OrdinalIgnoreCase)) { entailment = i; break; }
        return (entailment, entailment == 0 ? labels.Count - 1 : 0);
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
