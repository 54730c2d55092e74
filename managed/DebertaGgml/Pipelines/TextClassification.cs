using DebertaGgml.Pipelines;
using DebertaGgml.Tokenization;

namespace DebertaGgml;

/// <summary>How classifier logits become scores (HF's function_to_apply).</summary>
public enum ScoreFunction
{
    /// <summary>From the model: none for regression, sigmoid for multi-label or one label, else softmax.</summary>
    Auto,
    /// <summary>Probabilities over all labels (single-label).</summary>
    Softmax,
    /// <summary>An independent probability per label (multi-label).</summary>
    Sigmoid,
    /// <summary>The raw logits (the value itself for regression).</summary>
    None,
}

/// <summary>Options of the classification pipelines.</summary>
public sealed record ClassifyOptions : PipelineOptions
{
    /// <summary>How many labels to return, best first; null = all.</summary>
    public int? TopK { get; init; } = 1;
    /// <summary>How logits become scores; default from the model's problem type.</summary>
    public ScoreFunction Function { get; init; } = ScoreFunction.Auto;
}

/// <summary>A label (with its index in the model's or the caller's label list) and its score.</summary>
public sealed record LabelScore(string Label, int Id, float Score);

/// <summary>A text, or a sentence pair when <see cref="Pair"/> is set, for <see cref="DebertaModel.Classify(IReadOnlyList{TextInput}, ClassifyOptions?, CancellationToken)"/>.</summary>
/// <param name="Text">The text (the first sentence of a pair).</param>
/// <param name="Pair">The second sentence (e.g. an NLI hypothesis), or null for a single text.</param>
public readonly record struct TextInput(string Text, string? Pair = null);

/// <summary>Labels best first. For a regression model the single entry's Score is the predicted value.</summary>
public sealed record ClassificationResult(IReadOnlyList<LabelScore> Scores, bool Truncated)
{
    /// <summary>The highest-scoring label.</summary>
    [System.Text.Json.Serialization.JsonIgnore] public LabelScore Top => Scores[0];

    bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"Scores = {RecordText.List(Scores)}, Truncated = {Truncated}");
        return true;
    }
}

public sealed partial class DebertaModel
{
    /// <summary>Labels and scores for a text (HF text-classification); an empty text is classified as [CLS] [SEP].</summary>
    public ClassificationResult Classify(string text, ClassifyOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        return ClassifyOne(text, null, options, cancellationToken);
    }

    /// <summary>Labels and scores for a sentence pair (e.g. an NLI premise and hypothesis).</summary>
    public ClassificationResult Classify(string text, string pair, ClassifyOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(pair);
        return ClassifyOne(text, pair, options, cancellationToken);
    }

    /// <summary>A batch of texts, evaluated in length-sorted batches; results in input order.</summary>
    public IReadOnlyList<ClassificationResult> Classify(IReadOnlyList<string> texts, ClassifyOptions? options = null, CancellationToken cancellationToken = default)
    {
        PipelineInputs.CheckTexts(texts, nameof(texts));
        return ClassifyAll(texts.Select(t => (t, (string?)null)).ToArray(), options, cancellationToken);
    }

    /// <summary>A batch of sentence pairs, evaluated in length-sorted batches; results in input order.</summary>
    public IReadOnlyList<ClassificationResult> ClassifyPairs(IReadOnlyList<(string Text, string Pair)> pairs, ClassifyOptions? options = null,
                                                             CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        PipelineInputs.CheckTexts(pairs.Select(p => p.Text).ToArray(), nameof(pairs));
        PipelineInputs.CheckTexts(pairs.Select(p => p.Pair).ToArray(), nameof(pairs));
        return ClassifyAll(pairs.Select(p => (p.Text, (string?)p.Pair)).ToArray(), options, cancellationToken);
    }

    /// <summary>
    /// A batch that mixes single texts and sentence pairs (each <see cref="TextInput"/> with or without a
    /// <see cref="TextInput.Pair"/>), evaluated together in length-sorted batches; results in input order.
    /// </summary>
    /// <exception cref="ArgumentNullException">The list, or an input's <see cref="TextInput.Text"/>, is null.</exception>
    public IReadOnlyList<ClassificationResult> Classify(IReadOnlyList<TextInput> inputs, ClassifyOptions? options = null,
                                                        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        PipelineInputs.CheckTexts(inputs.Select(i => i.Text).ToArray(), nameof(inputs));
        return ClassifyAll(inputs.Select(i => (i.Text, i.Pair)).ToArray(), options, cancellationToken);
    }

    [ThreadStatic] static GrowableArray<int>? t_ids, t_typeIds;

    /// <summary>
    /// One input: encoded into the thread's buffers and evaluated from them, so a call allocates only its result.
    /// An input longer than the window takes the batch path, which truncates or refuses it as the options say.
    /// </summary>
    ClassificationResult ClassifyOne(string text, string? pair, ClassifyOptions? options, CancellationToken cancellationToken)
    {
        (options, var function) = CheckClassify(options);
        var ids = t_ids ??= new GrowableArray<int>();
        var typeIds = t_typeIds ??= new GrowableArray<int>();
        int length = Tokenizer.EncodeModelInput(text, pair, PipelineInputs.Window(this, options), ids, typeIds);
        if (length < 0) return ClassifyAll([(text, pair)], options, cancellationToken)[0];
        int labels = Info.NumLabels;
        Span<float> logits = labels <= ClassificationPostProcessing.StackScores ? stackalloc float[labels] : new float[labels];
        EvaluateLogits(ids.AsSpan(), typeIds.AsSpan(), logits, cancellationToken);
        return new ClassificationResult(ClassificationPostProcessing.Score(logits, Info.Labels, function, options.TopK), Truncated: false);
    }

    static readonly ClassifyOptions DefaultClassifyOptions = new();

    /// <summary>The options (the defaults for null) after checking them and the head, and the score function they resolve to.</summary>
    (ClassifyOptions Options, ScoreFunction Function) CheckClassify(ClassifyOptions? options)
    {
        options ??= DefaultClassifyOptions;
        Scores.CheckTopK(options.TopK, nameof(options.TopK));
        PipelineInputs.RequireHead(this, ModelHead.SequenceClassification, "Classify");
        return (options, ClassificationPostProcessing.Resolve(options.Function, Info.ProblemType, Info.NumLabels));
    }

    IReadOnlyList<ClassificationResult> ClassifyAll(IReadOnlyList<(string Text, string? Pair)> inputs, ClassifyOptions? options, CancellationToken cancellationToken)
    {
        (options, var function) = CheckClassify(options);
        var encoded = inputs.Select(i => PipelineInputs.Encode(this, i.Text, i.Pair, options, TruncationStrategy.LongestFirst, "text")).ToArray();
        var results = new ClassificationResult[inputs.Count];
        BatchRunner.Run(this, encoded.Select(e => PipelineInputs.Single(e.Encoding)).ToArray(), ModelOutputKinds.Logits, (i, output, row) =>
            results[i] = new ClassificationResult(
                ClassificationPostProcessing.Score(PipelineInputs.Row(output.Logits!, row, Info.NumLabels), Info.Labels, function, options.TopK),
                encoded[i].Truncated), cancellationToken);
        return results;
    }
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

    /// <summary>Logits up to this many are scored on the stack (a classifier's labels); more go to an array.</summary>
    internal const int StackScores = 256;

    public static IReadOnlyList<LabelScore> Score(ReadOnlySpan<float> logits, IReadOnlyList<string> labels, ScoreFunction function, int? topK)
    {
        Span<float> scores = logits.Length <= StackScores ? stackalloc float[logits.Length] : new float[logits.Length];
        switch (function)
        {
            case ScoreFunction.Softmax: Scores.Softmax(logits, scores); break;
            case ScoreFunction.Sigmoid: Scores.Sigmoid(logits, scores); break;
            default: logits.CopyTo(scores); break;
        }
        int k = Math.Min(topK ?? scores.Length, scores.Length);
        Span<int> best = k <= StackScores ? stackalloc int[k] : new int[k];
        Scores.TopK(scores, best);
        var result = new LabelScore[k];
        for (int r = 0; r < k; r++) result[r] = new LabelScore(labels[best[r]], best[r], scores[best[r]]);
        return result;
    }
}
