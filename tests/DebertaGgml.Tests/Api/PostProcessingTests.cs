using DebertaGgml.Pipelines;
using DebertaGgml.Tests.TestSupport;

namespace DebertaGgml.Tests.Api;

/// <summary>
/// Pipeline post-processing applied to the HF reference logits, checked against HF pipeline math written out
/// independently here (softmax in double over the fp64 logits).
/// </summary>
public class PostProcessingTests
{
    const double Tolerance = 1e-5;

    [Fact]
    public void Classification_softmax_matches_reference_logits()
    {
        var batch = FixtureRef.Load("v3-SequenceClassification").Batch("short_padded");
        string[] labels = ["negative", "neutral", "positive"];
        var function = ClassificationPostProcessing.Resolve(ScoreFunction.Auto, "", labels.Length);
        Assert.Equal(ScoreFunction.Softmax, function);
        foreach (var logits in batch.Fp64.Rows("logits"))
        {
            var expected = ApiRefs.Softmax(logits);
            var result = ClassificationPostProcessing.Score(logits.Select(x => (float)x).ToArray(), labels, function, null);
            Assert.Equal(3, result.Count);
            Assert.Equal(labels[Array.IndexOf(expected, expected.Max())], result[0].Label);
            foreach (var r in result) Assert.Equal(expected[r.Id], r.Score, Tolerance);
            Assert.True(result[0].Score >= result[1].Score && result[1].Score >= result[2].Score);
            Assert.Single(ClassificationPostProcessing.Score(logits.Select(x => (float)x).ToArray(), labels, function, 1));
        }
    }

    [Fact]
    public void Regression_returns_the_value_and_single_label_uses_sigmoid()
    {
        var batch = FixtureRef.Load("v3-SequenceClassification-regression").Batch("pairs_padded");
        Assert.Equal(ScoreFunction.None, ClassificationPostProcessing.Resolve(ScoreFunction.Auto, "regression", 1));
        Assert.Equal(ScoreFunction.Sigmoid, ClassificationPostProcessing.Resolve(ScoreFunction.Auto, "", 1));
        Assert.Equal(ScoreFunction.Sigmoid, ClassificationPostProcessing.Resolve(ScoreFunction.Auto, "multi_label_classification", 3));
        foreach (var logits in batch.Fp64.Rows("logits"))
        {
            var value = ClassificationPostProcessing.Score([(float)logits[0]], ["LABEL_0"], ScoreFunction.None, 1);
            Assert.Equal(logits[0], value[0].Score, Tolerance);
            var sigmoid = ClassificationPostProcessing.Score([(float)logits[0]], ["LABEL_0"], ScoreFunction.Sigmoid, 1);
            Assert.Equal(1 / (1 + Math.Exp(-logits[0])), sigmoid[0].Score, Tolerance);
        }
    }

    [Fact]
    public void Zero_shot_scores_follow_entailment_logits()
    {
        // The 3-label fixture stands in for an NLI model: no "entail*" label, so HF uses the last label for
        // entailment and label 0 for contradiction.
        var rows = FixtureRef.Load("v3-SequenceClassification").Batch("pairs_padded").Fp64.Rows("logits")
            .Concat(FixtureRef.Load("v3-SequenceClassification").Batch("short_padded").Fp64.Rows("logits")).ToArray();
        var (entail, contra) = ZeroShotPostProcessing.NliIds(["negative", "neutral", "positive"]);
        Assert.Equal((2, 0), (entail, contra));
        Assert.Equal((1, 0), ZeroShotPostProcessing.NliIds(["contradiction", "ENTAILMENT", "neutral"]));
        Assert.Equal((0, 2), ZeroShotPostProcessing.NliIds(["entailment", "neutral", "contradiction"]));

        var floats = rows.Select(r => r.Select(x => (float)x).ToArray()).ToArray();
        var single = ZeroShotPostProcessing.Score(floats, entail, contra, multiLabel: false);
        var expectedSingle = ApiRefs.Softmax(rows.Select(r => r[entail]).ToArray());
        for (int i = 0; i < rows.Length; i++) Assert.Equal(expectedSingle[i], single[i], Tolerance);

        var multi = ZeroShotPostProcessing.Score(floats, entail, contra, multiLabel: true);
        for (int i = 0; i < rows.Length; i++)
            Assert.Equal(Math.Exp(rows[i][entail]) / (Math.Exp(rows[i][entail]) + Math.Exp(rows[i][contra])), multi[i], Tolerance);

        Assert.Equal("This example is sports.", ZeroShotPostProcessing.Hypothesis("This example is {}.", "sports"));
        Assert.Throws<ArgumentException>(() => ZeroShotPostProcessing.Hypothesis("no placeholder", "sports"));
    }

    [Fact]
    public void Fill_mask_ranks_the_vocabulary_at_the_mask()
    {
        var batch = FixtureRef.Load("v3-MaskedLM").Batch("short_padded");
        var index = batch.LogitsRows;
        var idRows = batch.InputIdRows;
        var rows = batch.Fp64.Rows("logits_rows");
        int maskId = 2000;
        int found = 0;
        for (int r = 0; r < index.Length; r++)
        {
            var (b, t) = index[r];
            if (idRows[b][t] != maskId) continue;
            found++;
            var ids = idRows[b].Take(batch.RealLength(b)).ToArray();
            var expected = ApiRefs.Softmax(rows[r]);
            var expectedOrder = Enumerable.Range(0, 2001).OrderByDescending(i => expected[i]).Take(5).ToArray();
            var candidates = FillMaskPostProcessing.Candidates(rows[r].Select(x => (float)x).ToArray(), ids, t, 5, tokenizerSize: 2001,
                decode: seq => string.Join(' ', seq));
            Assert.Equal(expectedOrder, candidates.Select(c => c.TokenId));
            for (int k = 0; k < 5; k++)
            {
                Assert.Equal(expected[expectedOrder[k]], candidates[k].Score, Tolerance);
                Assert.Equal(expectedOrder[k].ToString(), candidates[k].Token);
                var filled = ids.ToArray();
                filled[t] = expectedOrder[k];
                Assert.Equal(string.Join(' ', filled), candidates[k].Sequence);
            }
        }
        Assert.Equal(1, found);
    }

    [Fact]
    public void Question_answering_picks_the_best_context_span()
    {
        var batch = FixtureRef.Load("v3-QuestionAnswering").Batch("pairs_padded");
        var starts = batch.Fp64.Rows("start_logits");
        var ends = batch.Fp64.Rows("end_logits");
        var typeRows = batch.TokenTypeIdRows;
        for (int b = 0; b < starts.Length; b++)
        {
            int n = batch.RealLength(b);
            // Context = the second sequence without its final [SEP].
            var isContext = Enumerable.Range(0, n).Select(t => typeRows[b][t] == 1 && t < n - 1).ToArray();
            var window = new QaWindow(starts[b].Take(n).Select(x => (float)x).ToArray(), ends[b].Take(n).Select(x => (float)x).ToArray(),
                isContext, Enumerable.Range(0, n).Select(t => (t, t + 1)).ToArray());

            // HF: softmax over context tokens and [CLS]; null score at [CLS]; best s <= e < s + 15 in the context.
            var allowed = Enumerable.Range(0, n).Where(t => t == 0 || isContext[t]).ToArray();
            double[] ps = ApiRefs.Softmax(allowed.Select(t => starts[b][t]).ToArray());
            double[] pe = ApiRefs.Softmax(allowed.Select(t => ends[b][t]).ToArray());
            var best = (S: -1, E: -1, Score: -1.0);
            for (int i = 1; i < allowed.Length; i++)
                for (int j = i; j < allowed.Length; j++)
                    if (allowed[j] - allowed[i] < 15 && ps[i] * pe[j] > best.Score) best = (allowed[i], allowed[j], ps[i] * pe[j]);

            var (spans, nullScore) = QuestionAnsweringPostProcessing.Spans(window, topK: 3, maxAnswerLength: 15);
            Assert.Equal(ps[0] * pe[0], nullScore, Tolerance);
            Assert.Equal((best.S, best.E), (spans[0].Start, spans[0].End));
            Assert.Equal(best.Score, spans[0].Score, Tolerance);
            Assert.All(spans, s => Assert.True(s.End >= s.Start && s.End - s.Start < 15 && isContext[s.Start] && isContext[s.End]));
            Assert.True(spans.Zip(spans.Skip(1)).All(p => p.First.Score >= p.Second.Score));

            var (oneToken, _) = QuestionAnsweringPostProcessing.Spans(window, topK: 1, maxAnswerLength: 1);
            Assert.Equal(oneToken[0].Start, oneToken[0].End);
        }
    }

    [Fact]
    public void Top_k_orders_best_first_and_rejects_bad_k()
    {
        Assert.Equal([3, 1, 0], Scores.TopK([0.2f, 0.5f, 0.1f, 0.9f], 3));
        Assert.Equal([0, 1], Scores.TopK([1f, 1f, 1f], 2));
        Assert.Equal([1, 0], Scores.TopK([0.1f, 0.3f], 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => Scores.CheckTopK(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Scores.CheckTopK(-2));
        Scores.CheckTopK(null);
    }
}
