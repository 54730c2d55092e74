using DebertaGgml.Pipelines;

namespace DebertaGgml;

/// <summary>How classifier logits become scores (HF's function_to_apply).</summary>
public enum ScoreFunction
{
    /// <summary>From the model: none for regression, sigmoid for multi-label or one label, else softmax.</summary>
    Auto,
    Softmax,
    Sigmoid,
    /// <summary>The raw logits (the value itself for regression).</summary>
    None,
}

public sealed record ClassifyOptions : PipelineOptions
{
    /// <summary>How many labels to return, best first; null = all.</summary>
    public int? TopK { get; init; } = 1;
    public ScoreFunction Function { get; init; } = ScoreFunction.Auto;
}

/// <summary>A label (with its index in the model's or the caller's label list) and its score.</summary>
public sealed record LabelScore(string Label, int Id, float Score);

/// <summary>Labels best first. For a regression model the single entry's Score is the predicted value.</summary>
public sealed record ClassificationResult(IReadOnlyList<LabelScore> Scores, bool Truncated)
{
    public LabelScore Top => Scores[0];
}

internal static class ClassificationPostProcessing
{
    /// <summary>HF TextClassificationPipeline's default function_to_apply.</summary>
    public static ScoreFunction Resolve(ScoreFunction requested, string problemType, int numLabels) => requested switch
    {
        not ScoreFunction.Auto => requested,
        _ when problemType == "regression" => ScoreFunction.None,
        _ when problemType == "multi_label_classification" || numLabels == 1 => ScoreFunction.Sigmoid,
        _ => ScoreFunction.Softmax,
    };

    public static IReadOnlyList<LabelScore> Score(ReadOnlySpan<float> logits, IReadOnlyList<string> labels, ScoreFunction function, int? topK)
    {
        float[] scores = function switch
        {
            ScoreFunction.Softmax => Scores.Softmax(logits),
            ScoreFunction.Sigmoid => Scores.Sigmoid(logits),
            _ => logits.ToArray(),
        };
        return Scores.TopK(scores, topK ?? scores.Length).Select(i => new LabelScore(labels[i], i, scores[i])).ToArray();
    }
}
