using DebertaGgml.Pipelines;
using DebertaGgml.Tokenization;

namespace DebertaGgml;

/// <summary>HF QuestionAnsweringPipeline's parameters and defaults.</summary>
public sealed record QuestionAnsweringOptions : PipelineOptions
{
    /// <summary>Answers returned per question, best first; default 1.</summary>
    public int TopK { get; init; } = 1;
    /// <summary>Longest answer in tokens.</summary>
    public int MaxAnswerLength { get; init; } = 15;
    /// <summary>Tokens shared by consecutive windows over a long context; null = min(128, window / 2), as HF.</summary>
    public int? DocStride { get; init; }
    /// <summary>Window length in tokens (question, context and special tokens); capped by the model.</summary>
    public int MaxSequenceLength { get; init; } = 384;
    /// <summary>Also offer the empty answer, scored by the [CLS] position.</summary>
    public bool HandleImpossibleAnswer { get; init; }
    /// <summary>Widen answers to whole (whitespace-separated) words.</summary>
    public bool AlignToWords { get; init; } = true;
}

/// <summary>An answer: text, score, and UTF-16 span [Start, End) in the context. The impossible answer is "" at 0..0.</summary>
public sealed record Answer(string Text, float Score, int Start, int End);

/// <summary>Answers best first.</summary>
public sealed record QuestionAnsweringResult(IReadOnlyList<Answer> Answers)
{
    /// <summary>The best answer.</summary>
    [System.Text.Json.Serialization.JsonIgnore] public Answer Best => Answers[0];

    bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"Answers = {RecordText.List(Answers)}");
        return true;
    }
}

public sealed partial class DebertaModel
{
    /// <summary>
    /// Extractive answers to a question from a context (HF question-answering). A context longer than the window
    /// is read in overlapping windows. Empty question or context is an ArgumentException.
    /// </summary>
    public QuestionAnsweringResult AnswerQuestion(string question, string context, QuestionAnsweringOptions? options = null,
                                                  CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(question);
        ArgumentNullException.ThrowIfNull(context);
        return AnswerQuestion([(question, context)], options, cancellationToken)[0];
    }

    /// <summary>Extracts answer spans from each context (question-answering head).</summary>
    public IReadOnlyList<QuestionAnsweringResult> AnswerQuestion(IReadOnlyList<(string Question, string Context)> inputs,
                                                                 QuestionAnsweringOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        options ??= new QuestionAnsweringOptions();
        Scores.CheckTopK(options.TopK, nameof(options.TopK));
        if (options.MaxAnswerLength < 1) throw new ArgumentOutOfRangeException(nameof(options.MaxAnswerLength), options.MaxAnswerLength, "must be at least 1");
        PipelineInputs.RequireHead(this, ModelHead.QuestionAnswering, "AnswerQuestion");
        int window = Math.Min(PipelineInputs.Window(this, options), options.MaxSequenceLength);
        if (window < 4) throw new ArgumentOutOfRangeException(nameof(options.MaxSequenceLength), options.MaxSequenceLength, "must be at least 4");

        var windows = new List<(int Item, QaWindow Window, Sequence[] Input)>();
        for (int i = 0; i < inputs.Count; i++)
        {
            var (question, context) = inputs[i];
            if (string.IsNullOrWhiteSpace(question)) throw new ArgumentException($"question {i} is empty", nameof(inputs));
            if (string.IsNullOrWhiteSpace(context)) throw new ArgumentException($"context {i} is empty", nameof(inputs));
            foreach (var e in Windows(question, context, window, options))
            {
                var isContext = e.SequenceIds.Select(s => s == 1).ToArray();
                windows.Add((i, new QaWindow([], [], isContext, e.Offsets), PipelineInputs.Single(e)));
            }
        }

        var answers = inputs.Select(_ => new List<Answer>()).ToArray();
        var nullScores = inputs.Select(_ => float.MaxValue).ToArray();
        BatchRunner.Run(this, windows.Select(w => w.Input).ToArray(), ModelOutputKinds.Logits, (w, output, row) =>
        {
            var (item, shape, input) = windows[w];
            int n = input[0].Ids.Count;
            var qa = shape with
            {
                StartLogits = output.StartLogits.AsSpan(row * output.SequenceLength, n).ToArray(),
                EndLogits = output.EndLogits.AsSpan(row * output.SequenceLength, n).ToArray(),
            };
            var (spans, nullScore) = QuestionAnsweringPostProcessing.Spans(qa, options.TopK, options.MaxAnswerLength);
            nullScores[item] = Math.Min(nullScores[item], nullScore);
            answers[item].AddRange(spans.Select(s => QuestionAnsweringPostProcessing.ToAnswer(inputs[item].Context, qa, s.Start, s.End, s.Score, options.AlignToWords)));
        }, cancellationToken);

        return answers.Select((list, i) =>
        {
            if (options.HandleImpossibleAnswer) list.Add(new Answer("", nullScores[i], 0, 0));
            return new QuestionAnsweringResult(list.OrderByDescending(a => a.Score).Take(options.TopK).ToArray());
        }).ToArray();
    }

    /// <summary>The (question, context) encoding cut into windows over the context (HF: only_second truncation with stride).</summary>
    IReadOnlyList<TokenEncoding> Windows(string question, string context, int window, QuestionAnsweringOptions options)
    {
        int questionTokens = Tokenizer.Encode(question, null, new EncodeOptions { AddSpecialTokens = false }).Length;
        int contextRoom = window - questionTokens - 3;
        if (contextRoom < 1)
            throw new ArgumentException($"the question is {questionTokens} tokens long and leaves no room for the context in a window of {window}", nameof(question));
        int stride = options.DocStride ?? Math.Min(128, Math.Min(window / 2, contextRoom - 1));
        if (stride < 0 || stride >= contextRoom)
            throw new ArgumentOutOfRangeException(nameof(options.DocStride), stride, $"must be below the {contextRoom} context tokens a window holds");
        return PipelineInputs.StridedWindows(this, question, context, window, TruncationStrategy.OnlySecond, stride);
    }
}

/// <summary>One window of the context as QA post-processing needs it: which tokens may be in an answer, and where they are.</summary>
internal sealed record QaWindow(float[] StartLogits, float[] EndLogits, bool[] IsContext, IReadOnlyList<(int Start, int End)> Offsets);

internal static class QuestionAnsweringPostProcessing
{
    /// <summary>Candidate spans of one window (token indices, score), and this window's null score ([CLS] start × end).</summary>
    public static (List<(int Start, int End, float Score)> Spans, float NullScore) Spans(QaWindow window, int topK, int maxAnswerLength)
    {
        // Context tokens and [CLS] (position 0) are allowed; softmax runs over them with the rest at -10000, as HF.
        int n = window.StartLogits.Length;
        bool Allowed(int i) => i == 0 || window.IsContext[i];
        float[] start = Scores.Softmax(Masked(window.StartLogits, Allowed));
        float[] end = Scores.Softmax(Masked(window.EndLogits, Allowed));
        float nullScore = start[0] * end[0];
        start[0] = end[0] = 0;

        // HF decode_spans: the top k of all (s, e) with s <= e < s + maxAnswerLength (0 elsewhere), then only
        // those whose ends are allowed tokens are kept.
        var flat = new float[n * n];
        for (int s = 0; s < n; s++)
            for (int e = s; e < Math.Min(n, s + maxAnswerLength); e++)
                flat[s * n + e] = start[s] * end[e];
        var spans = new List<(int, int, float)>();
        foreach (int i in Scores.TopK(flat, topK))
        {
            int s = i / n, e = i % n;
            // Outside s <= e < s + max (and at [CLS], zeroed after the null score was taken) the score is 0: such
            // pairs only fill a top k larger than the real candidates and are never answers.
            if (s > 0 && e >= s && e - s < maxAnswerLength && window.IsContext[s] && window.IsContext[e]) spans.Add((s, e, flat[i]));
        }
        return (spans, nullScore);
    }

    static float[] Masked(float[] logits, Func<int, bool> allowed) =>
        logits.Select((x, i) => allowed(i) ? x : -10000f).ToArray();

    public static Answer ToAnswer(string context, QaWindow window, int s, int e, float score, bool alignToWords)
    {
        int start = window.Offsets[s].Start, end = window.Offsets[e].End;
        if (alignToWords)
        {
            while (start > 0 && !char.IsWhiteSpace(context[start - 1])) start--;
            while (end < context.Length && !char.IsWhiteSpace(context[end])) end++;
        }
        while (start < end && char.IsWhiteSpace(context[start])) start++;
        while (end > start && char.IsWhiteSpace(context[end - 1])) end--;
        return new Answer(context[start..end], score, start, end);
    }
}
