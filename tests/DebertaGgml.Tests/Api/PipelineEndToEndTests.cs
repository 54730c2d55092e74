using DebertaGgml.Tests.TestSupport;

namespace DebertaGgml.Tests.Api;

/// <summary>
/// Every pipeline run by our engine on the fixture models, against HF pipeline post-processing applied (here,
/// independently) to the HF reference logits of the same inputs.
/// </summary>
public class PipelineEndToEndTests
{
    const double Tol = 1e-4;
    static readonly string[] SingleBatches = ["short_padded", "long_padded", "single_long_unpadded"];

    static double[] Row(double[] flat, int row, int width) => flat.Skip(row * width).Take(width).ToArray();

    [Fact]
    public void Classify_matches_softmax_of_reference_logits()
    {
        var model = ApiRefs.Model("v3-SequenceClassification");
        int checkedTexts = 0;
        foreach (var name in SingleBatches.Append("pairs_padded"))
        {
            var batch = FixtureRef.Load("v3-SequenceClassification").Batch(name);
            var logits = batch.Fp64.Rows("logits");
            var texts = ApiRefs.Texts(model, batch);
            var results = model.ClassifyPairs(texts.Where(t => t.Pair != null).Select(t => (t.Text, t.Pair!)).ToArray(), new ClassifyOptions { TopK = null })
                .Concat(model.Classify(texts.Where(t => t.Pair == null).Select(t => t.Text).ToArray(), new ClassifyOptions { TopK = null })).ToArray();
            var rows = texts.Where(t => t.Pair != null).Concat(texts.Where(t => t.Pair == null)).Select(t => t.Row).ToArray();
            for (int i = 0; i < rows.Length; i++)
            {
                var expected = ApiRefs.Softmax(logits[rows[i]]);
                Assert.Equal(model.Info.Labels[Array.IndexOf(expected, expected.Max())], results[i].Top.Label);
                foreach (var s in results[i].Scores) Assert.Equal(expected[s.Id], s.Score, Tol);
                Assert.False(results[i].Truncated);
                checkedTexts++;
            }
        }
        Assert.True(checkedTexts >= 6, $"only {checkedTexts} reference texts round-tripped through the tokenizer");
    }

    [Fact]
    public void Regression_returns_the_reference_value()
    {
        var model = ApiRefs.Model("v3-SequenceClassification-regression");
        var batch = FixtureRef.Load("v3-SequenceClassification-regression").Batch("short_padded");
        var texts = ApiRefs.Texts(model, batch);
        Assert.NotEmpty(texts);
        foreach (var (row, text, _) in texts)
        {
            var result = model.Classify(text);
            Assert.Equal(batch.Fp64.Rows("logits")[row][0], result.Top.Score, Tol);
        }
    }

    [Fact]
    public void Zero_shot_single_label_is_entailment_against_contradiction()
    {
        // One candidate forces multi-label: softmax over [contradiction, entailment] of the (text, hypothesis) logits.
        // With template "{}" the hypothesis is the ref pair's second text; the fixture's labels have no "entail*", so
        // HF takes the last label as entailment and label 0 as contradiction.
        var model = ApiRefs.Model("v3-SequenceClassification");
        var batch = FixtureRef.Load("v3-SequenceClassification").Batch("pairs_padded");
        var texts = ApiRefs.Texts(model, batch);
        Assert.NotEmpty(texts);
        foreach (var (row, text, pair) in texts)
        {
            var l = batch.Fp64.Rows("logits")[row];
            var result = model.ZeroShotClassify(text, [pair!], new ZeroShotOptions { HypothesisTemplate = "{}" });
            Assert.Equal(Math.Exp(l[2]) / (Math.Exp(l[0]) + Math.Exp(l[2])), result.Top.Score, Tol);
        }
    }

    [Fact]
    public void Fill_mask_matches_the_reference_mask_logits()
    {
        var model = ApiRefs.Model("v3-MaskedLM");
        var batch = FixtureRef.Load("v3-MaskedLM").Batch("short_padded");
        var index = batch.LogitsRows.ToList();
        var idRows = batch.InputIdRows;
        // The masked ref sequence was cut at 12 tokens, ending in a lone "▁": its decoded text plus " ." truncated to
        // 12 tokens gives exactly those ids, which also exercises truncation.
        int row = Enumerable.Range(0, batch.Sequences).Single(b => idRows[b].Contains(model.Tokenizer.MaskId));
        int n = batch.RealLength(row);
        string text = model.Tokenizer.Decode(idRows[row][1..(n - 1)], skipSpecialTokens: false) + " .";
        Assert.Equal(idRows[row][..n], model.Tokenizer.Encode(text, null,
            new DebertaGgml.Tokenization.EncodeOptions { MaxLength = n, Truncation = DebertaGgml.Tokenization.TruncationStrategy.LongestFirst }).Ids);
        int maskAt = Array.IndexOf(idRows[row], model.Tokenizer.MaskId);
        var expected = ApiRefs.Softmax(batch.Fp64.Rows("logits_rows")[index.IndexOf((row, maskAt))]);
        var expectedTop = Enumerable.Range(0, model.Tokenizer.VocabularySize).OrderByDescending(i => expected[i]).Take(5).ToArray();

        var result = model.FillMask(text, new FillMaskOptions { TopK = 5, MaxLength = n });
        Assert.True(result.Truncated);
        var candidates = Assert.Single(result.Masks);
        Assert.Equal(expectedTop, candidates.Select(c => c.TokenId));
        for (int k = 0; k < 5; k++)
        {
            Assert.Equal(expected[expectedTop[k]], candidates[k].Score, Tol);
            Assert.Equal(model.Tokenizer.Decode([expectedTop[k]]), candidates[k].Token);
            var filled = idRows[row].Take(batch.RealLength(row)).ToArray();
            filled[maskAt] = expectedTop[k];
            Assert.Equal(model.Tokenizer.Decode(filled), candidates[k].Sequence);
        }
    }

    [Fact]
    public void Entities_per_token_match_reference_logits()
    {
        var model = ApiRefs.Model("v3-TokenClassification");
        int entities = 0;
        foreach (var name in SingleBatches)
        {
            var batch = FixtureRef.Load("v3-TokenClassification").Batch(name);
            foreach (var (row, text, _) in ApiRefs.Texts(model, batch))
            {
                var logits = batch.Fp64.Rows("logits")[row];
                var result = model.ExtractEntities(text, new EntityOptions { Aggregation = AggregationStrategy.None });
                var offsets = model.Tokenizer.Encode(text).Offsets;
                var expected = Enumerable.Range(1, batch.RealLength(row) - 2)
                    .Select(t => (t, p: ApiRefs.Softmax(Row(logits, t, 5))))
                    .Select(x => (x.t, best: Array.IndexOf(x.p, x.p.Max()), x.p))
                    .Where(x => x.best != 0)
                    .Where(x => text[offsets[x.t].Start..offsets[x.t].End].Trim().Length > 0) // a lone "▁" is no entity
                    .ToList();
                Assert.Equal(expected.Select(e => e.t), result.Entities.Select(e => e.TokenIndex!.Value));
                for (int i = 0; i < expected.Count; i++)
                {
                    Assert.Equal(model.Info.Labels[expected[i].best], result.Entities[i].Label);
                    Assert.Equal(expected[i].p[expected[i].best], result.Entities[i].Score, Tol);
                    Assert.Equal(result.Entities[i].Word, text[result.Entities[i].Start..result.Entities[i].End]);
                }
                entities += expected.Count;

                var grouped = model.ExtractEntities(text, new EntityOptions { Aggregation = AggregationStrategy.Simple });
                Assert.All(grouped.Entities, e => Assert.DoesNotContain("-", e.Label));
            }
        }
        Assert.True(entities > 5);
    }

    [Fact]
    public void Question_answering_finds_the_reference_best_span()
    {
        var model = ApiRefs.Model("v3-QuestionAnswering");
        var batch = FixtureRef.Load("v3-QuestionAnswering").Batch("pairs_padded");
        var texts = ApiRefs.Texts(model, batch);
        Assert.NotEmpty(texts);
        foreach (var (row, question, context) in texts)
        {
            int n = batch.RealLength(row);
            var offsets = model.Tokenizer.Encode(question, context).Offsets;
            var types = batch.TokenTypeIdRows[row];
            var allowed = Enumerable.Range(0, n).Where(t => t == 0 || (types[t] == 1 && t < n - 1)).ToArray();
            var ps = ApiRefs.Softmax(allowed.Select(t => batch.Fp64.Rows("start_logits")[row][t]).ToArray());
            var pe = ApiRefs.Softmax(allowed.Select(t => batch.Fp64.Rows("end_logits")[row][t]).ToArray());
            var best = (S: 0, E: 0, Score: -1.0);
            for (int i = 1; i < allowed.Length; i++)
                for (int j = i; j < allowed.Length && allowed[j] - allowed[i] < 15; j++)
                    if (ps[i] * pe[j] > best.Score) best = (allowed[i], allowed[j], ps[i] * pe[j]);

            var answer = model.AnswerQuestion(question, context!, new QuestionAnsweringOptions { AlignToWords = false }).Best;
            Assert.Equal(best.Score, answer.Score, Tol);
            Assert.Equal(context![offsets[best.S].Start..offsets[best.E].End].Trim(), answer.Text);
            Assert.Equal(answer.Text, context[answer.Start..answer.End]);

            var withNull = model.AnswerQuestion(question, context, new QuestionAnsweringOptions { HandleImpossibleAnswer = true, TopK = 100_000 });
            Assert.Contains(withNull.Answers, a => a.Text == "" && Math.Abs(a.Score - ps[0] * pe[0]) < Tol);
        }
    }

    [Fact]
    public void Question_answering_reads_long_contexts_in_windows()
    {
        var model = ApiRefs.Model("v3-QuestionAnswering");
        string context = string.Join(" ", Enumerable.Repeat("The pager shows one screen of the manual page at a time.", 12));
        var options = new QuestionAnsweringOptions { MaxSequenceLength = 40, DocStride = 10, TopK = 3 };
        var result = model.AnswerQuestion("What does the pager show?", context, options);
        Assert.Equal(3, result.Answers.Count);
        Assert.All(result.Answers, a => Assert.Equal(a.Text, context[a.Start..a.End]));
        Assert.True(result.Answers[0].Score >= result.Answers[1].Score);
        Assert.Contains(result.Answers, a => a.Start > 200); // found in a later window, not just the first one
        Assert.Throws<ArgumentOutOfRangeException>(() => model.AnswerQuestion("What?", context, options with { DocStride = 35 }));
    }

    [Fact]
    public void Choose_best_matches_softmax_over_choice_logits()
    {
        var model = ApiRefs.Model("v3-MultipleChoice");
        foreach (var name in new[] { "mc_2x3", "mc_1x2" })
        {
            var batch = FixtureRef.Load("v3-MultipleChoice").Batch(name);
            var logits = batch.Fp64.Rows("logits");
            var allTexts = ApiRefs.Texts(model, batch);
            for (int b = 0; b < batch.B; b++)
            {
                // Sequences b·C .. b·C + C - 1 are question b with each of its choices.
                var texts = allTexts.Where(t => t.Row / batch.C == b).ToList();
                if (texts.Count != batch.C) continue; // a choice did not round-trip through the tokenizer
                var expected = ApiRefs.Softmax(logits[b]);
                var result = model.ChooseBest(texts[0].Text, texts.Select(t => t.Pair!).ToArray());
                for (int c = 0; c < expected.Length; c++) Assert.Equal(expected[c], result.Choices[c].Score, Tol);
                Assert.Equal(Array.IndexOf(expected, expected.Max()), result.Best.Index);
            }
        }
    }

    [Fact]
    public void Rerank_sorts_by_sigmoid_of_the_cross_encoder_logit()
    {
        var model = ApiRefs.Model("v3-SequenceClassification-regression");
        var batch = FixtureRef.Load("v3-SequenceClassification-regression").Batch("pairs_padded");
        foreach (var (row, query, document) in ApiRefs.Texts(model, batch))
        {
            var ranked = model.Rerank(query, [document!, query]);
            var mine = Assert.Single(ranked, r => r.Index == 0);
            Assert.Equal(1 / (1 + Math.Exp(-batch.Fp64.Rows("logits")[row][0])), mine.Score, Tol);
            Assert.True(ranked[0].Score >= ranked[1].Score);
        }
    }

    [Theory]
    [InlineData(Pooling.Mean)]
    [InlineData(Pooling.Cls)]
    public void Embeddings_pool_the_reference_hidden_states(Pooling pooling)
    {
        var model = ApiRefs.Model("v3-Model");
        foreach (var name in SingleBatches)
        {
            var batch = FixtureRef.Load("v3-Model").Batch(name);
            var hidden = batch.Fp64["hidden_states"][^1].Rows();
            foreach (var (row, text, _) in ApiRefs.Texts(model, batch))
            {
                int n = pooling == Pooling.Cls ? 1 : batch.RealLength(row), h = model.Info.HiddenSize;
                var mean = Enumerable.Range(0, h).Select(d => Enumerable.Range(0, n).Average(t => hidden[row][t * h + d])).ToArray();
                double norm = Math.Sqrt(mean.Sum(x => x * x));
                var vector = model.Embed(text, new EmbedOptions { Pooling = pooling }).Vector;
                for (int d = 0; d < h; d++) Assert.Equal(mean[d] / norm, vector[d], Tol);
                var raw = model.Embed(text, new EmbedOptions { Pooling = pooling, Normalize = false }).Vector;
                for (int d = 0; d < h; d++) Assert.Equal(mean[d], raw[d], Tol);
            }
        }
    }

    [Fact]
    public async Task Embedding_generator_returns_the_pipeline_vectors()
    {
        var model = ApiRefs.Model("v3-Model");
        using Microsoft.Extensions.AI.IEmbeddingGenerator<string, Microsoft.Extensions.AI.Embedding<float>> generator = new DebertaEmbeddingGenerator(model);
        string[] texts = ["The pager shows one page.", "Une page à la fois."];
        var generated = await generator.GenerateAsync(texts);
        Assert.Equal(2, generated.Count);
        for (int i = 0; i < 2; i++) Assert.Equal(model.Embed(texts[i]).Vector, generated[i].Vector.ToArray());
        var metadata = (Microsoft.Extensions.AI.EmbeddingGeneratorMetadata)generator.GetService(typeof(Microsoft.Extensions.AI.EmbeddingGeneratorMetadata))!;
        Assert.Equal(model.Info.HiddenSize, metadata.DefaultModelDimensions);
    }
}
