using DebertaGgml.Pipelines;
using DebertaGgml.Tokenization;

namespace DebertaGgml;

/// <summary>How token predictions become entities (HF TokenClassificationPipeline's aggregation_strategy).</summary>
public enum AggregationStrategy
{
    /// <summary>One entity per token.</summary>
    None,
    /// <summary>Adjacent tokens with the same entity type (B-X then I-X...) form one entity; score = mean.</summary>
    Simple,
    /// <summary>Words take the label of their first token, then group as Simple.</summary>
    First,
    /// <summary>Words take the label of their averaged token scores, then group as Simple.</summary>
    Average,
    /// <summary>Words take the label of their most confident token, then group as Simple.</summary>
    Max,
}

/// <summary>Options of <c>DebertaModel.ExtractEntities</c>.</summary>
public sealed record EntityOptions : PipelineOptions
{
    /// <summary>How token labels are grouped into entities; default none (one entry per token).</summary>
    public AggregationStrategy Aggregation { get; init; } = AggregationStrategy.None;
    /// <summary>Labels (or entity groups) left out of the result.</summary>
    public IReadOnlyList<string> IgnoreLabels { get; init; } = ["O"];
    /// <summary>
    /// Null: a text longer than the window is truncated (or rejected, see <see cref="PipelineOptions.Overflow"/>).
    /// Set: such a text is read in overlapping windows sharing this many tokens (HF's <c>stride</c>) and the
    /// entities of all windows are merged, so nothing is truncated. Needs an aggregation other than None.
    /// </summary>
    public int? Stride { get; init; }
}

/// <summary>
/// An entity: its label (the entity group, without B-/I-, when aggregated), score, and UTF-16 character span
/// [Start, End) in the original text, without surrounding whitespace; Word = text[Start..End].
/// TokenIndex is the token position for <see cref="AggregationStrategy.None"/>, else null.
/// </summary>
public sealed record Entity(string Label, float Score, string Word, int Start, int End, int? TokenIndex = null);

/// <summary>The entities of one text and whether it was truncated.</summary>
public sealed record EntityResult(IReadOnlyList<Entity> Entities, bool Truncated)
{
    bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"Entities = {RecordText.List(Entities)}, Truncated = {Truncated}");
        return true;
    }
}

public sealed partial class DebertaModel
{
    /// <summary>Named entities (HF token-classification / ner). An empty text has none.</summary>
    public EntityResult ExtractEntities(string text, EntityOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        return ExtractEntities([text], options, cancellationToken)[0];
    }

    /// <summary>Labels the tokens of each text and groups them into entities (token-classification head).</summary>
    public IReadOnlyList<EntityResult> ExtractEntities(IReadOnlyList<string> texts, EntityOptions? options = null, CancellationToken cancellationToken = default)
    {
        PipelineInputs.CheckTexts(texts, nameof(texts));
        options ??= new EntityOptions();
        ArgumentNullException.ThrowIfNull(options.IgnoreLabels, nameof(options.IgnoreLabels));
        PipelineInputs.RequireHead(this, ModelHead.TokenClassification, "ExtractEntities");
        int? strideWindow = options.Stride is null ? null : StrideWindow(options);
        var windows = new List<(int Item, TokenEncoding Window)>();
        var truncated = new bool[texts.Count];
        for (int i = 0; i < texts.Count; i++)
        {
            if (strideWindow is int window)
                windows.AddRange(PipelineInputs.StridedWindows(this, texts[i], null, window, TruncationStrategy.LongestFirst, options.Stride!.Value)
                    .Select(w => (i, w)));
            else
            {
                var (encoding, cut) = PipelineInputs.Encode(this, texts[i], null, options, TruncationStrategy.LongestFirst, "text");
                windows.Add((i, encoding));
                truncated[i] = cut;
            }
        }

        int labels = Info.NumLabels;
        var perWindow = new IReadOnlyList<Entity>[windows.Count];
        BatchRunner.Run(this, windows.Select(w => PipelineInputs.Single(w.Window)).ToArray(), ModelOutputKinds.Logits, (w, output, row) =>
        {
            var (item, e) = windows[w];
            var logits = output.Logits.AsSpan(row * output.SequenceLength * labels, e.Length * labels);
            var tokens = EntityPostProcessing.Predictions(texts[item], e.Ids, e.Offsets, e.SpecialTokensMask, logits, labels, Tokenizer.UnkId);
            perWindow[w] = EntityPostProcessing.Aggregate(texts[item], tokens, Info.Labels, options.Aggregation, options.IgnoreLabels);
        }, cancellationToken);

        var entities = texts.Select(_ => new List<Entity>()).ToArray();
        var windowCounts = new int[texts.Count];
        for (int w = 0; w < windows.Count; w++)
        {
            entities[windows[w].Item].AddRange(perWindow[w]);
            windowCounts[windows[w].Item]++;
        }
        // As HF, only the entities of a text read in several windows are merged (one window's never overlap).
        return entities.Select((list, i) => new EntityResult(
            windowCounts[i] > 1 ? EntityPostProcessing.MergeOverlapping(list) : list, truncated[i])).ToArray();
    }

    /// <summary>The window for <see cref="EntityOptions.Stride"/>, once the stride is known to fit the options.</summary>
    int StrideWindow(EntityOptions options)
    {
        if (options.Aggregation == AggregationStrategy.None)
            throw new ArgumentException("Stride needs an aggregation other than None (as HF): the entities of overlapping windows are merged "
                + "by their character spans, and per-token entities would carry token indices of different windows", nameof(options.Stride));
        int window = PipelineInputs.Window(this, options);
        int room = window - 2;
        if (options.Stride is < 0 || options.Stride >= room)
            throw new ArgumentOutOfRangeException(nameof(options.Stride), options.Stride,
                $"Stride must be between 0 and {room - 1}: a window of {window} tokens holds {room} tokens of text besides [CLS] and [SEP]");
        return window;
    }
}

/// <summary>One token of the input as the aggregation sees it.</summary>
internal readonly record struct TokenPrediction(int Index, int Start, int End, bool IsSubword, float[] Scores);

internal static class EntityPostProcessing
{
    /// <summary>
    /// The tokens that take part (special tokens dropped), with softmax scores. A token is a subword (continues the
    /// previous word) by HF's heuristic for tokenizers without a subword prefix, as used for DeBERTa's unigram
    /// tokenizer: it starts after position 0 and neither it nor the character before it is a space.
    /// [UNK] always starts a word.
    /// </summary>
    public static List<TokenPrediction> Predictions(string text, IReadOnlyList<int> ids, IReadOnlyList<(int Start, int End)> offsets,
                                                    IReadOnlyList<int> specialMask, ReadOnlySpan<float> logits, int numLabels, int unkId)
    {
        var result = new List<TokenPrediction>();
        for (int t = 0; t < ids.Count; t++)
        {
            if (specialMask[t] == 1) continue;
            var (start, end) = offsets[t];
            bool isSubword = ids[t] != unkId && start > 0 && text[start - 1] != ' ' && (start >= text.Length || text[start] != ' ');
            result.Add(new TokenPrediction(t, start, end, isSubword, Scores.Softmax(logits.Slice(t * numLabels, numLabels))));
        }
        return result;
    }

    public static IReadOnlyList<Entity> Aggregate(string text, List<TokenPrediction> tokens, IReadOnlyList<string> labels,
                                                  AggregationStrategy strategy, IReadOnlyList<string> ignoreLabels)
    {
        var entities = strategy switch
        {
            AggregationStrategy.None or AggregationStrategy.Simple =>
                tokens.Select(t => Labelled(t.Scores, labels, t.Start, t.End, t.Index)).ToList(),
            _ => Words(tokens).Select(w => AggregateWord(w, labels, strategy)).ToList(),
        };
        if (strategy != AggregationStrategy.None) entities = Group(entities);
        // An entity that is only whitespace (a token such as a lone "▁") names nothing: dropped.
        return entities.Where(e => !ignoreLabels.Contains(e.Label))
            .Select(e => Trimmed(text, e)).Where(e => e.Word.Length > 0).ToList();
    }

    static Entity Labelled(float[] scores, IReadOnlyList<string> labels, int start, int end, int? index)
    {
        int best = Scores.ArgMax(scores);
        return new Entity(labels[best], scores[best], "", start, end, index);
    }

    /// <summary>A word is a token that is not a subword followed by its subwords.</summary>
    static List<List<TokenPrediction>> Words(List<TokenPrediction> tokens)
    {
        var words = new List<List<TokenPrediction>>();
        foreach (var t in tokens)
        {
            if (words.Count == 0 || !t.IsSubword) words.Add([]);
            words[^1].Add(t);
        }
        return words;
    }

    static Entity AggregateWord(List<TokenPrediction> word, IReadOnlyList<string> labels, AggregationStrategy strategy)
    {
        float[] scores = strategy switch
        {
            AggregationStrategy.First => word[0].Scores,
            // The first token reaching the highest single score wins (Python's max keeps the first).
            AggregationStrategy.Max => word.Aggregate((best, t) => t.Scores.Max() > best.Scores.Max() ? t : best).Scores,
            _ => Enumerable.Range(0, labels.Count).Select(l => word.Average(t => t.Scores[l])).ToArray(),
        };
        return Labelled(scores, labels, word[0].Start, word[^1].End, null);
    }

    /// <summary>HF group_entities: consecutive entities of one type merge unless the next one begins (B-).</summary>
    static List<Entity> Group(List<Entity> entities)
    {
        var groups = new List<List<Entity>>();
        foreach (var e in entities)
        {
            var (bi, tag) = Tag(e.Label);
            if (groups.Count > 0 && bi != "B" && Tag(groups[^1][^1].Label).Type == tag) groups[^1].Add(e);
            else groups.Add([e]);
        }
        return groups.Select(g => new Entity(Tag(g[0].Label).Type, g.Average(e => e.Score), "", g[0].Start, g[^1].End)).ToList();
    }

    /// <summary>B-X → (B, X); I-X → (I, X); anything else is treated as inside its own type.</summary>
    static (string Bi, string Type) Tag(string label) =>
        label.StartsWith("B-", StringComparison.Ordinal) ? ("B", label[2..])
        : label.StartsWith("I-", StringComparison.Ordinal) ? ("I", label[2..])
        : ("I", label);

    /// <summary>
    /// HF aggregate_overlapping_entities, for the entities of overlapping windows: sorted by Start (stably, so an
    /// earlier window comes first on a tie), an entity starting inside the one kept so far competes with it and
    /// the longer span wins, on equal length the higher score (the earlier one on equal scores); an entity
    /// starting at or after the kept one's End is kept as well.
    /// </summary>
    public static IReadOnlyList<Entity> MergeOverlapping(IReadOnlyList<Entity> entities)
    {
        var merged = new List<Entity>();
        foreach (var e in entities.OrderBy(e => e.Start))
        {
            if (merged.Count == 0 || e.Start >= merged[^1].End) merged.Add(e);
            else if (Length(e) > Length(merged[^1]) || (Length(e) == Length(merged[^1]) && e.Score > merged[^1].Score)) merged[^1] = e;
        }
        return merged;
    }

    static int Length(Entity e) => e.End - e.Start;

    static Entity Trimmed(string text, Entity e)
    {
        int start = e.Start, end = Math.Min(e.End, text.Length);
        while (start < end && char.IsWhiteSpace(text[start])) start++;
        while (end > start && char.IsWhiteSpace(text[end - 1])) end--;
        return e with { Start = start, End = end, Word = text[start..end] };
    }
}
