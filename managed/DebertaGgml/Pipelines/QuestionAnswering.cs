using DebertaGgml.Pipelines;

namespace DebertaGgml;

/// <summary>HF QuestionAnsweringPipeline's parameters and defaults.</summary>
public sealed record QuestionAnsweringOptions : PipelineOptions
{
    public int TopK { get; init; } = 1;
    /// <summary>Longest answer in tokens.</summary>
    public int MaxAnswerLength { get; init; } = 15;
    /// <summary>Tokens shared by consecutive windows over a long context.</summary>
    public int DocStride { get; init; } = 128;
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
    public Answer Best => Answers[0];
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
            // Spans at [CLS] scored 0 after the null score was taken out; they are never answers.
            if (s > 0 && window.IsContext[s] && window.IsContext[e]) spans.Add((s, e, flat[i]));
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
