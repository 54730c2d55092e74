using DebertaGgml.Tests.TestSupport;
namespace DebertaGgml.Tests.Api;

/// <summary>Loading, Info, concurrency, cancellation and every kind of bad input: each a defined, tested outcome.</summary>
public class ModelBehaviourTests
{
    static DebertaModel Classifier => ApiRefs.Model("v3-SequenceClassification");

    [Fact]
    public void Info_describes_the_fixture_config_and_labels()
    {
        var info = Classifier.Info;
        Assert.Equal(ModelHead.SequenceClassification, info.Head);
        Assert.Equal("DebertaV2ForSequenceClassification", info.Architecture);
        Assert.Equal(["negative", "neutral", "positive"], info.Labels);
        Assert.Equal((32, 2, 4, 64, 2008, 512), (info.HiddenSize, info.NumHiddenLayers, info.NumAttentionHeads, info.IntermediateSize, info.VocabSize, info.MaxPositionEmbeddings));
        Assert.True(info.RelativeAttention);
        Assert.Equal(16, info.PositionBuckets);
        Assert.Equal(2001, info.Tokenizer.VocabularySize);
        Assert.Equal((1, 2, 0, 3, 2000), (info.Tokenizer.ClsId, info.Tokenizer.SepId, info.Tokenizer.PadId, info.Tokenizer.UnkId, info.Tokenizer.MaskId));
        Assert.Equal(1e-7f, info.LayerNormEps);
    }

    [Fact]
    public void A_pipeline_of_another_head_names_the_head_the_model_has()
    {
        var e = Assert.Throws<InvalidOperationException>(() => Classifier.AnswerQuestion("Who?", "Nobody."));
        Assert.Contains("QuestionAnswering", e.Message);
        Assert.Contains("SequenceClassification", e.Message);
        Assert.Throws<InvalidOperationException>(() => Classifier.FillMask("a [MASK]"));
        Assert.Throws<InvalidOperationException>(() => Classifier.ExtractEntities("a"));
        Assert.Throws<InvalidOperationException>(() => Classifier.ChooseBest("a", ["b", "c"]));
        Assert.Throws<InvalidOperationException>(() => ApiRefs.Model("v3-Model").Classify("a"));
    }

    [Fact]
    public void Null_arguments_throw_ArgumentNullException()
    {
        Assert.Throws<ArgumentNullException>(() => Classifier.Classify((string)null!));
        Assert.Throws<ArgumentNullException>(() => Classifier.Classify(new[] { "a", null! }));
        Assert.Throws<ArgumentNullException>(() => Classifier.Classify("a", (string)null!));
        Assert.Throws<ArgumentNullException>(() => Classifier.ZeroShotClassify("a", null!));
        Assert.Throws<ArgumentNullException>(() => Classifier.Rerank(null!, ["a"]));
        Assert.Throws<ArgumentNullException>(() => ApiRefs.Model("v3-QuestionAnswering").AnswerQuestion(null!, "c"));
        Assert.Throws<ArgumentNullException>(() => ApiRefs.Model("v3-Model").Embed((string)null!));
        Assert.Throws<ArgumentNullException>(() => Classifier.Evaluate(null!));
        Assert.ThrowsAny<ArgumentException>(() => DebertaModel.Load(null!));
    }

    [Fact]
    public void Invalid_topK_throws_ArgumentOutOfRangeException()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Classifier.Classify("a", new ClassifyOptions { TopK = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Classifier.Rerank("a", ["b"], new RerankOptions { TopK = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => ApiRefs.Model("v3-MaskedLM").FillMask("a [MASK]", new FillMaskOptions { TopK = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => ApiRefs.Model("v3-QuestionAnswering").AnswerQuestion("q", "c", new QuestionAnsweringOptions { TopK = 0 }));
        // More than there are: all of them.
        Assert.Equal(3, Classifier.Classify("a", new ClassifyOptions { TopK = 10 }).Scores.Count);
    }

    [Fact]
    public void Empty_text_is_classified_as_cls_sep()
    {
        var result = Classifier.Classify("", new ClassifyOptions { TopK = null, Function = ScoreFunction.None });
        var direct = Classifier.Evaluate(new ModelInput([1, 2], [1, 1], null, 1, 2));
        foreach (var s in result.Scores) Assert.Equal(direct.Logits![s.Id], s.Score, 1e-6);
        Assert.Empty(ApiRefs.Model("v3-TokenClassification").ExtractEntities("").Entities);
        Assert.Throws<ArgumentException>(() => ApiRefs.Model("v3-QuestionAnswering").AnswerQuestion("Who?", ""));
        Assert.Throws<ArgumentException>(() => ApiRefs.Model("v3-MaskedLM").FillMask("no mask here"));
        Assert.Throws<ArgumentException>(() => Classifier.ZeroShotClassify("a", []));
    }

    [Fact]
    public void Text_longer_than_the_window_is_truncated_with_a_flag_or_rejected()
    {
        string text = string.Join(" ", Enumerable.Repeat("the manual page", 400));
        var truncated = Classifier.Classify(text);
        Assert.True(truncated.Truncated);
        Assert.False(Classifier.Classify("short text").Truncated);
        var e = Assert.Throws<ArgumentException>(() => Classifier.Classify(text, new ClassifyOptions { Overflow = OverflowBehavior.Throw }));
        Assert.Contains("512", e.Message);
        // Truncation keeps the first window: the same as classifying exactly that window.
        var small = Classifier.Classify(text, new ClassifyOptions { MaxLength = 16, TopK = null });
        Assert.True(small.Truncated);
        var window = Classifier.Tokenizer.Encode(text, null, new DebertaGgml.Tokenization.EncodeOptions { MaxLength = 16, Truncation = DebertaGgml.Tokenization.TruncationStrategy.LongestFirst });
        var direct = Classifier.Evaluate(new ModelInput([.. window.Ids], [.. window.AttentionMask], null, 1, 16));
        var expected = ApiRefs.Softmax(direct.Logits!.Select(x => (double)x).ToArray());
        foreach (var s in small.Scores) Assert.Equal(expected[s.Id], s.Score, 1e-5);
    }

    [Fact]
    public void Disposed_model_throws_ObjectDisposedException()
    {
        var model = DebertaModel.Load(ConvertedModels.Get("v3-SequenceClassification"));
        Assert.NotEmpty(model.Classify("before").Scores);
        model.Dispose();
        model.Dispose(); // idempotent
        Assert.Throws<ObjectDisposedException>(() => model.Classify("after"));
        Assert.Throws<ObjectDisposedException>(() => model.Evaluate(new ModelInput([1, 2], [1, 1], null, 1, 2)));
        Assert.Throws<ObjectDisposedException>(() => model.Embed("after"));
    }

    [Fact]
    public void Missing_or_invalid_files_fail_naming_the_file()
    {
        var missing = Assert.Throws<FileNotFoundException>(() => DebertaModel.Load("/nonexistent/model.gguf"));
        Assert.Contains("/nonexistent/model.gguf", missing.Message);
        string bad = Path.GetTempFileName();
        File.WriteAllText(bad, "not a gguf file at all, just text");
        try
        {
            var e = Assert.ThrowsAny<Exception>(() => DebertaModel.Load(bad));
            Assert.Contains(bad, e.Message);
        }
        finally { File.Delete(bad); }
        Assert.Throws<ArgumentOutOfRangeException>(() => DebertaModel.Load(ConvertedModels.Get("v3-Model"), new DebertaModelOptions { MaxBatch = 0 }));
    }

    [Fact]
    public void Batches_match_single_calls_and_threads_share_one_model()
    {
        string[] texts = ["a", "The pager shows one screen.", "Une page à la fois, s'il vous plaît, avec le manuel complet.", "", "man man"];
        var single = texts.Select(t => Classifier.Classify(t, new ClassifyOptions { TopK = null })).ToArray();
        var batched = Classifier.Classify(texts, new ClassifyOptions { TopK = null });
        var parallel = new ClassificationResult[40];
        Parallel.For(0, parallel.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 },
            i => parallel[i] = Classifier.Classify(texts[i % texts.Length], new ClassifyOptions { TopK = null }));
        for (int i = 0; i < texts.Length; i++)
            foreach (var s in single[i].Scores)
            {
                Assert.Equal(s.Score, batched[i].Scores.Single(b => b.Id == s.Id).Score, 1e-5);
                for (int p = i; p < parallel.Length; p += texts.Length)
                    Assert.Equal(s.Score, parallel[p].Scores.Single(b => b.Id == s.Id).Score, 1e-5);
            }
    }

    [Fact]
    public void Cancelled_calls_throw_OperationCanceledException()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => Classifier.Classify("a", cancellationToken: cts.Token));
        Assert.ThrowsAny<OperationCanceledException>(() => Classifier.Evaluate(new ModelInput([1, 2], [1, 1], null, 1, 2), cancellationToken: cts.Token));
        Assert.NotEmpty(Classifier.Classify("a").Scores); // the pooled context still works afterwards
    }

    [Fact]
    public void Cancelling_stops_a_running_evaluation()
    {
        // 8 x 512 tokens of the demo model take far longer than the 20 ms before the cancel.
        using var model = DebertaModel.Load(DemoModelTests.CommittedModel, new DebertaModelOptions { Threads = 1 });
        var input = new ModelInput(Enumerable.Repeat(500, 8 * 512).ToArray(), Enumerable.Repeat(1, 8 * 512).ToArray(), null, 8, 512);
        using var cts = Cancel.After(TimeSpan.FromMilliseconds(20));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.ThrowsAny<OperationCanceledException>(() => model.Evaluate(input, cancellationToken: cts.Token));
        var cancelledAfter = clock.Elapsed;
        clock.Restart();
        model.Evaluate(input);
        Assert.True(cancelledAfter < clock.Elapsed, $"cancelled after {cancelledAfter}, a full evaluation takes {clock.Elapsed}");
    }

    [Fact]
    public void Evaluate_checks_shapes_and_limits()
    {
        Assert.Throws<ArgumentException>(() => Classifier.Evaluate(new ModelInput([1, 2, 3], [1, 1], null, 1, 3)));
        Assert.Throws<ArgumentException>(() => Classifier.Evaluate(new ModelInput(new int[9 * 4], new int[9 * 4], null, 9, 4)));
        Assert.Throws<ArgumentException>(() => Classifier.Evaluate(new ModelInput([1, 2, 1, 2], [1, 1, 1, 1], null, 1, 2, Choices: 2)));
        var output = Classifier.Evaluate(new ModelInput([1, 2], [1, 1], null, 1, 2), ModelOutputKinds.Logits | ModelOutputKinds.LastHiddenState | ModelOutputKinds.HiddenStates);
        Assert.Equal(3, output.Logits!.Length);
        Assert.Equal(2 * 32, output.LastHiddenState!.Length);
        Assert.Equal(3 * 2 * 32, output.HiddenStates!.Length);
    }
}
