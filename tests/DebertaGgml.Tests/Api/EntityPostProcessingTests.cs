using DebertaGgml.Pipelines;
using DebertaGgml.Tests.TestSupport;

namespace DebertaGgml.Tests.Api;

/// <summary>
/// Token-classification aggregation on the HF reference logits of v3-TokenClassification. The refs hold ids, not
/// texts, so the text is rebuilt from the fixture vocabulary ("▁" = a space before the piece) with exact offsets.
/// The expected entities follow HF TokenClassificationPipeline's rules, written out here token by token.
/// </summary>
public class EntityPostProcessingTests
{
    static readonly string[] Labels = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"];

    sealed record Sample(string Text, int[] Ids, (int Start, int End)[] Offsets, int[] Special, float[] Logits, double[][] Probs, bool[] WordStart);

    static IEnumerable<Sample> Samples()
    {
        var pieces = ApiRefs.FixturePieces();
        foreach (var name in new[] { "short_padded", "long_padded", "single_long_unpadded" })
        {
            var batch = FixtureRef.Load("v3-TokenClassification").Batch(name);
            var logits = batch.Fp64.Rows("logits");
            var idRows = batch.InputIdRows;
            for (int b = 0; b < batch.Sequences; b++)
            {
                int n = batch.RealLength(b);
                var ids = idRows[b].Take(n).ToArray();
                var text = new System.Text.StringBuilder();
                var offsets = new (int, int)[n];
                var wordStart = new bool[n];
                for (int t = 1; t < n - 1; t++)
                {
                    string piece = pieces[ids[t]];
                    bool space = piece.StartsWith('▁');
                    if (space && text.Length > 0) text.Append(' ');
                    int start = text.Length;
                    text.Append(space ? piece[1..] : piece);
                    offsets[t] = (start, text.Length);
                    // HF's heuristic sees a word start after a space, at position 0, and at [UNK].
                    wordStart[t] = t == 1 || space || pieces[ids[t - 1]] == "▁" || ids[t] == 3;
                }
                var special = ids.Select((_, t) => t == 0 || t == n - 1 ? 1 : 0).ToArray();
                var rows = Enumerable.Range(0, n).Select(t => logits[b].Skip(t * 5).Take(5).ToArray()).ToArray();
                yield return new Sample(text.ToString(), ids, offsets, special, rows.SelectMany(r => r.Select(x => (float)x)).ToArray(),
                    rows.Select(ApiRefs.Softmax).ToArray(), wordStart);
            }
        }
    }

    static IReadOnlyList<Entity> Run(Sample s, AggregationStrategy strategy)
    {
        var tokens = EntityPostProcessing.Predictions(s.Text, s.Ids, s.Offsets, s.Special, s.Logits, Labels.Length, unkId: 3);
        return EntityPostProcessing.Aggregate(s.Text, tokens, Labels, strategy, ["O"]);
    }

    [Fact]
    public void None_gives_every_non_O_token()
    {
        int total = 0;
        foreach (var s in Samples())
        {
            var expected = Enumerable.Range(1, s.Ids.Length - 2)
                .Select(t => (t, best: Array.IndexOf(s.Probs[t], s.Probs[t].Max())))
                .Where(x => x.best != 0)
                .Where(x => s.Text[s.Offsets[x.t].Start..s.Offsets[x.t].End].Trim().Length > 0) // a lone "▁" names nothing: dropped
                .ToList();
            var actual = Run(s, AggregationStrategy.None);
            Assert.Equal(expected.Count, actual.Count);
            for (int i = 0; i < actual.Count; i++)
            {
                var (t, best) = expected[i];
                Assert.Equal(t, actual[i].TokenIndex);
                Assert.Equal(Labels[best], actual[i].Label);
                Assert.Equal(s.Probs[t][best], actual[i].Score, 1e-5);
                Assert.Equal(s.Text[s.Offsets[t].Start..s.Offsets[t].End].Trim(), actual[i].Word);
            }
            total += actual.Count;
        }
        Assert.True(total > 10, $"only {total} entities: the fixture should exercise the aggregation");
    }

    [Theory]
    [InlineData(AggregationStrategy.Simple)]
    [InlineData(AggregationStrategy.First)]
    [InlineData(AggregationStrategy.Average)]
    [InlineData(AggregationStrategy.Max)]
    public void Aggregation_groups_like_hf(AggregationStrategy strategy)
    {
        foreach (var s in Samples())
        {
            // Units: tokens (simple) or words (the others), each with a probability vector.
            var units = new List<(int First, int Last, double[] Probs)>();
            for (int t = 1; t < s.Ids.Length - 1; t++)
            {
                if (strategy == AggregationStrategy.Simple || s.WordStart[t] || units.Count == 0) units.Add((t, t, s.Probs[t]));
                else
                {
                    var (first, _, probs) = units[^1];
                    var members = Enumerable.Range(first, t - first + 1).ToArray();
                    probs = strategy switch
                    {
                        AggregationStrategy.First => s.Probs[first],
                        AggregationStrategy.Max => s.Probs[members.First(m => s.Probs[m].Max() == members.Max(k => s.Probs[k].Max()))],
                        _ => Enumerable.Range(0, 5).Select(l => members.Average(m => s.Probs[m][l])).ToArray(),
                    };
                    units[^1] = (first, t, probs);
                }
            }
            var expected = new List<(string Type, List<double> Scores, int First, int Last)>();
            foreach (var (first, last, probs) in units)
            {
                int best = Array.IndexOf(probs, probs.Max());
                string label = Labels[best];
                string type = label.Contains('-') ? label[2..] : label;
                bool begins = label.StartsWith("B-");
                if (expected.Count > 0 && !begins && expected[^1].Type == type)
                {
                    expected[^1].Scores.Add(probs[best]);
                    expected[^1] = expected[^1] with { Last = last };
                }
                else expected.Add((type, [probs[best]], first, last));
            }
            expected.RemoveAll(e => e.Type == "O");
            // A group whose span is only whitespace (lone "▁" tokens) names nothing: dropped, unlike HF.
            expected.RemoveAll(e => s.Text[s.Offsets[e.First].Start..s.Offsets[e.Last].End].Trim().Length == 0);

            var actual = Run(s, strategy);
            Assert.Equal(expected.Count, actual.Count);
            for (int i = 0; i < actual.Count; i++)
            {
                Assert.Equal(expected[i].Type, actual[i].Label);
                Assert.Equal(expected[i].Scores.Average(), actual[i].Score, 1e-5);
                Assert.Equal(s.Text[s.Offsets[expected[i].First].Start..s.Offsets[expected[i].Last].End].Trim(), actual[i].Word);
                Assert.Equal(actual[i].Word, s.Text[actual[i].Start..actual[i].End]);
                Assert.Null(actual[i].TokenIndex);
            }
        }
    }
}
