using DebertaGgml.Pipelines;
using DebertaGgml.Tests.TestSupport;
using DebertaGgml.Tokenization;

namespace DebertaGgml.Tests.Api;

/// <summary>
/// <see cref="EntityOptions.Stride"/>: long texts read in overlapping windows (HF token-classification with stride),
/// checked against the tokenizer's windows, the model run on each window alone, and HF's merge rule.
/// </summary>
public class EntityStrideTests
{
    const string Fixture = "v3-TokenClassification";
    const int SmallWindow = 14, SmallStride = 4;
    static readonly string[] Batches = ["short_padded", "long_padded", "single_long_unpadded"];

    static DebertaModel Model => ApiRefs.Model(Fixture);

    /// <summary>The texts behind the fixture's reference batches.</summary>
    static string[] FixtureTexts() =>
        Batches.SelectMany(name => ApiRefs.Texts(Model, FixtureRef.Load(Fixture).Batch(name)).Select(t => t.Text))
            .Where(t => t.Length > 0).Distinct().ToArray();

    /// <summary>The fixture texts, one after another, repeated: a document of a few hundred tokens.</summary>
    static string Document(int repeats = 3) => string.Join(" ", Enumerable.Repeat(string.Join(" ", FixtureTexts()), repeats));

    static EntityOptions Small(AggregationStrategy aggregation = AggregationStrategy.Simple) =>
        new() { Aggregation = aggregation, MaxLength = SmallWindow, Stride = SmallStride };

    /// <summary>The windows as the tokenizer cuts them (HF return_overflowing_tokens with stride).</summary>
    static TokenEncoding[] TokenizerWindows(string text, int window, int stride)
    {
        var first = Model.Tokenizer.Encode(text, null, new EncodeOptions
        {
            MaxLength = window, Truncation = TruncationStrategy.LongestFirst, Stride = stride, ReturnOverflowing = true,
        });
        return [first, .. first.Overflowing];
    }

    [Theory]
    [InlineData(AggregationStrategy.Simple)]
    [InlineData(AggregationStrategy.First)]
    [InlineData(AggregationStrategy.Average)]
    [InlineData(AggregationStrategy.Max)]
    public void A_text_that_fits_gives_the_results_without_stride(AggregationStrategy aggregation)
    {
        var texts = FixtureTexts();
        Assert.NotEmpty(texts);
        var plain = Model.ExtractEntities(texts, new EntityOptions { Aggregation = aggregation });
        var strided = Model.ExtractEntities(texts, new EntityOptions { Aggregation = aggregation, Stride = 16 });
        Assert.True(plain.Sum(r => r.Entities.Count) > 0, "the fixture texts should have entities");
        for (int i = 0; i < texts.Length; i++)
        {
            Assert.False(plain[i].Truncated);
            Assert.Equal(plain[i].Entities, strided[i].Entities);
            Assert.False(strided[i].Truncated);
        }
    }

    [Fact]
    public void A_long_text_is_read_in_windows_and_its_entities_merged()
    {
        string text = Document();
        // HF's windows: window - 2 text tokens each, each next one starting `stride` tokens before the previous end.
        int tokens = Model.Tokenizer.Encode(text, null, new EncodeOptions { AddSpecialTokens = false }).Length;
        int room = SmallWindow - 2, step = room - SmallStride;
        int expectedWindows = (tokens - SmallStride + step - 1) / step;
        var windows = TokenizerWindows(text, SmallWindow, SmallStride);
        Assert.Equal(expectedWindows, windows.Length);
        Assert.True(windows.Length > 10, $"only {windows.Length} windows");

        var result = Model.ExtractEntities(text, Small());
        Assert.False(result.Truncated);
        Assert.All(result.Entities, e => Assert.Equal(text[e.Start..e.End], e.Word));
        for (int i = 1; i < result.Entities.Count; i++)
            Assert.True(result.Entities[i - 1].End <= result.Entities[i].Start, $"entities {i - 1} and {i} overlap or are out of order");

        int firstWindowEnd = windows[0].Offsets[^2].End;
        int lastWindowStart = windows[^1].Offsets[1].Start;
        Assert.Contains(result.Entities, e => e.Start >= firstWindowEnd);
        Assert.Contains(result.Entities, e => e.Start >= lastWindowStart);

        // Without a stride the same window truncates: nothing past the first window.
        var truncated = Model.ExtractEntities(text, Small() with { Stride = null });
        Assert.True(truncated.Truncated);
        Assert.All(truncated.Entities, e => Assert.True(e.End <= firstWindowEnd));
    }

    [Fact]
    public void Texts_of_a_batch_keep_their_own_windows()
    {
        string[] texts = [Document(2), FixtureTexts()[0], Document(1), ""];
        var batch = Model.ExtractEntities(texts, Small(AggregationStrategy.First));
        for (int i = 0; i < texts.Length; i++)
            Assert.Equal(Model.ExtractEntities(texts[i], Small(AggregationStrategy.First)).Entities, batch[i].Entities);
        Assert.Empty(batch[3].Entities);
    }

    /// <summary>
    /// Every reported entity is an entity of some window computed by hand: the model run on exactly that window's ids,
    /// softmax per token, the window's tokens covering the entity all of its type, only the first one B-, the group not
    /// continuing before or after (HF simple grouping), and score = mean of the tokens' top probabilities.
    /// </summary>
    [Fact]
    public void Each_entity_has_the_score_of_its_window_run_alone()
    {
        string text = Document();
        var labels = Model.Info.Labels;
        var windows = TokenizerWindows(text, SmallWindow, SmallStride);
        var probs = windows.Select(WindowProbabilities).ToArray();
        var result = Model.ExtractEntities(text, Small());
        Assert.NotEmpty(result.Entities);

        int beyondFirst = 0;
        foreach (var entity in result.Entities)
        {
            var explaining = Enumerable.Range(0, windows.Length).Where(w => Explains(text, windows[w], probs[w], labels, entity)).ToList();
            Assert.True(explaining.Count > 0, $"no window gives {entity}");
            if (explaining.All(w => w > 0)) beyondFirst++;
        }
        Assert.True(beyondFirst > 0, "no entity came from a window after the first");
    }

    static double[][] WindowProbabilities(TokenEncoding window)
    {
        int n = window.Length;
        var output = Model.Evaluate(new ModelInput(window.Ids.ToArray(), Enumerable.Repeat(1, n).ToArray(), window.TypeIds.ToArray(), 1, n));
        int labels = Model.Info.NumLabels;
        return Enumerable.Range(0, n)
            .Select(t => ApiRefs.Softmax(output.Logits!.Skip(t * labels).Take(labels).Select(x => (double)x).ToArray())).ToArray();
    }

    /// <summary>Whether some run of the window's tokens, trimmed of whitespace as the pipeline documents, is this entity.</summary>
    static bool Explains(string text, TokenEncoding window, double[][] probs, IReadOnlyList<string> labels, Entity entity)
    {
        var tokens = Enumerable.Range(0, window.Length).Where(t => window.SpecialTokensMask[t] == 0).ToList();
        string Label(int t) => labels[Array.IndexOf(probs[t], probs[t].Max())];
        string Type(int t) => Label(t) is var l && (l.StartsWith("B-") || l.StartsWith("I-")) ? l[2..] : l;
        bool Begins(int t) => Label(t).StartsWith("B-");

        for (int first = 0; first < tokens.Count; first++)
            for (int last = first; last < tokens.Count; last++)
            {
                var group = tokens[first..(last + 1)];
                int start = window.Offsets[group[0]].Start, end = window.Offsets[group[^1]].End;
                while (start < end && char.IsWhiteSpace(text[start])) start++;
                while (end > start && char.IsWhiteSpace(text[end - 1])) end--;
                if ((start, end) != (entity.Start, entity.End)) continue;
                // Simple grouping: one type, only the first token may begin (B-), and the run does not go on either side.
                if (group.Any(t => Type(t) != entity.Label) || group.Skip(1).Any(Begins)) continue;
                if (first > 0 && Type(tokens[first - 1]) == entity.Label && !Begins(group[0])) continue;
                if (last + 1 < tokens.Count && Type(tokens[last + 1]) == entity.Label && !Begins(tokens[last + 1])) continue;
                if (Math.Abs(group.Average(t => probs[t].Max()) - entity.Score) < 1e-4) return true;
            }
        return false;
    }

    static Entity E(int start, int end, float score, string label = "PER") => new(label, score, new string('x', end - start), start, end);

    [Fact]
    public void Merge_keeps_the_longest_of_overlapping_entities()
    {
        var shortOne = E(0, 5, 0.9f);
        var longOne = E(2, 10, 0.5f);
        Assert.Equal([longOne], EntityPostProcessing.MergeOverlapping([shortOne, longOne]));
        Assert.Equal([longOne], EntityPostProcessing.MergeOverlapping([longOne, shortOne]));
        // A shorter entity inside the kept one loses even with a higher score.
        Assert.Equal([longOne], EntityPostProcessing.MergeOverlapping([longOne, E(3, 6, 0.99f)]));
    }

    [Fact]
    public void Merge_breaks_a_length_tie_by_the_higher_score()
    {
        var low = E(4, 8, 0.6f);
        var high = E(4, 8, 0.8f, "LOC");
        Assert.Equal([high], EntityPostProcessing.MergeOverlapping([low, high]));
        Assert.Equal([high], EntityPostProcessing.MergeOverlapping([high, low]));
        // Overlapping, not aligned, same length: the higher score still wins.
        Assert.Equal([high], EntityPostProcessing.MergeOverlapping([E(2, 6, 0.7f), high]));
        // Equal length and score: the first (earlier window) stays.
        var twin = E(4, 8, 0.6f, "LOC");
        Assert.Equal([low], EntityPostProcessing.MergeOverlapping([low, twin]));
    }

    [Fact]
    public void Merge_keeps_disjoint_entities_sorted_by_start()
    {
        var a = E(0, 3, 0.5f);
        var touching = E(3, 6, 0.4f);
        var far = E(20, 25, 0.3f);
        Assert.Equal([a, touching, far], EntityPostProcessing.MergeOverlapping([far, touching, a]));
        Assert.Empty(EntityPostProcessing.MergeOverlapping([]));
    }

    [Fact]
    public void Merge_compares_each_entity_with_the_one_kept_so_far()
    {
        // B replaces A; C starts inside B (not inside A) and is shorter, so it goes; D starts at B's end and stays.
        var a = E(0, 4, 0.9f);
        var b = E(2, 12, 0.5f);
        var c = E(6, 8, 0.9f);
        var d = E(12, 14, 0.1f);
        Assert.Equal([b, d], EntityPostProcessing.MergeOverlapping([a, b, c, d]));
    }

    [Fact]
    public void Stride_needs_an_aggregation()
    {
        var e = Assert.Throws<ArgumentException>(() => Model.ExtractEntities("Angela visited Paris.", new EntityOptions { Stride = 4 }));
        Assert.Equal("Stride", e.ParamName);
        Assert.Contains("None", e.Message);
    }

    [Theory]
    [InlineData(SmallWindow, SmallWindow - 2)]
    [InlineData(SmallWindow, 100)]
    [InlineData(SmallWindow, -1)]
    [InlineData(null, 510)]
    public void A_stride_that_leaves_no_room_or_is_negative_is_rejected(int? window, int stride)
    {
        var options = new EntityOptions { Aggregation = AggregationStrategy.Simple, MaxLength = window, Stride = stride };
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Model.ExtractEntities("Angela visited Paris.", options));
        Assert.Equal("Stride", e.ParamName);
        int room = (window ?? Model.MaxSequenceLength) - 2;
        Assert.Contains($"between 0 and {room - 1}", e.Message);
        Assert.Contains($"{room} tokens of text", e.Message);
    }

    [Fact]
    public void The_largest_stride_still_covers_the_text()
    {
        string text = FixtureTexts().OrderByDescending(t => t.Length).First();
        var result = Model.ExtractEntities(text, new EntityOptions { Aggregation = AggregationStrategy.Simple, MaxLength = 8, Stride = 5 });
        Assert.False(result.Truncated);
        Assert.All(result.Entities, e => Assert.Equal(text[e.Start..e.End], e.Word));
    }

    [Fact]
    public void Cli_ner_stride_prints_the_library_entities()
    {
        // Longer than the model's 512-token window, so the CLI's default window needs several windows.
        string text = Document(repeats: 8);
        Assert.True(Model.Tokenizer.Encode(text).Length > Model.MaxSequenceLength);
        var run = CliProcess.Run(["ner", "-m", ConvertedModels.Get(Fixture), "--stride", "64", "--json", text]);
        Assert.True(run.ExitCode == 0, run.StdErr);
        var line = System.Text.Json.Nodes.JsonNode.Parse(run.StdOut.Trim().Split('\n').Single())!;
        var expected = Model.ExtractEntities(text, new EntityOptions { Aggregation = AggregationStrategy.Simple, Stride = 64 });
        Assert.False((bool)line["truncated"]!);
        Assert.Equal(expected.Entities.Select(e => (e.Label, e.Start, e.End)),
            line["entities"]!.AsArray().Select(e => ((string)e!["entity_group"]!, (int)e["start"]!, (int)e["end"]!)));
        Assert.Contains(expected.Entities, e => e.Start > text.Length / 2);

        var none = CliProcess.Run(["ner", "-m", ConvertedModels.Get(Fixture), "--aggregation", "none", "--stride", "64", text]);
        Assert.Equal(2, none.ExitCode);
        Assert.Contains("--stride 64 needs an --aggregation other than none", none.StdErr);
    }
}
