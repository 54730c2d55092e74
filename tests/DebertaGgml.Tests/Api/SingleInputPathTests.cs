using DebertaGgml.Tests.TestSupport;

namespace DebertaGgml.Tests.Api;

/// <summary>
/// Classify of one text (or pair) runs from reusable per-thread buffers: it gives what the batch path gives, and
/// allocates only its result (issue 17: no per-call allocation beyond the results).
/// </summary>
public class SingleInputPathTests
{
    static readonly string[] Texts = ["Wie spät ist es?", "Where is the station?", "", "Où est la gare ? Près du port, à gauche.", "漢字とかな"];

    [Fact]
    public void One_text_gives_what_the_batch_gives_for_every_score_function_and_top_k()
    {
        using var model = DebertaModel.Load(DemoModelTests.CommittedModel, new DebertaModelOptions { Threads = 1 });
        foreach (var options in new[]
                 {
                     new ClassifyOptions(),
                     new ClassifyOptions { TopK = null, Function = ScoreFunction.None },
                     new ClassifyOptions { TopK = 3, Function = ScoreFunction.Sigmoid },
                 })
        {
            var batch = model.Classify(Texts, options);
            for (int i = 0; i < Texts.Length; i++)
            {
                var one = model.Classify(Texts[i], options);
                Assert.False(one.Truncated);
                Assert.Equal(batch[i].Scores, one.Scores); // same unpadded shape: the same arithmetic, bit for bit
            }
        }
        var pairs = model.ClassifyPairs([("Wie spät ist es?", "Where is the station?")], new ClassifyOptions { TopK = null });
        Assert.Equal(pairs[0].Scores, model.Classify("Wie spät ist es?", "Where is the station?", new ClassifyOptions { TopK = null }).Scores);
    }

    [Fact]
    public void A_text_longer_than_the_window_is_truncated_or_refused_as_the_options_say()
    {
        using var model = DebertaModel.Load(DemoModelTests.CommittedModel, new DebertaModelOptions { Threads = 1 });
        string text = string.Join(' ', Enumerable.Repeat("Wie spät ist es?", 20));
        var truncated = model.Classify(text, new ClassifyOptions { MaxLength = 16, Overflow = OverflowBehavior.Truncate });
        Assert.True(truncated.Truncated);
        Assert.Equal(model.Classify([text], new ClassifyOptions { MaxLength = 16, Overflow = OverflowBehavior.Truncate })[0].Scores, truncated.Scores);
        var error = Assert.Throws<ArgumentException>(() => model.Classify(text, new ClassifyOptions { MaxLength = 16, Overflow = OverflowBehavior.Throw }));
        Assert.Contains("more than the window of 16", error.Message);
    }

    [Fact]
    public void One_text_allocates_only_its_result()
    {
        using var model = DebertaModel.Load(DemoModelTests.CommittedModel, new DebertaModelOptions { Threads = 1 });
        const int Calls = 50, Rounds = 4;
        foreach (string text in Texts)
        {
            for (int i = 0; i < 3; i++) model.Classify(text); // the thread's buffers grow and the context is made
            // The steady state is the least of several rounds: a one-off allocation on this thread (the runtime's
            // tiering, a first-time static) lands in one round, a per-call one in every round.
            long perCall = long.MaxValue;
            for (int round = 0; round < Rounds; round++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                for (int i = 0; i < Calls; i++) model.Classify(text);
                perCall = Math.Min(perCall, (GC.GetAllocatedBytesForCurrentThread() - before) / Calls);
            }
            // The result: a ClassificationResult, a one-element LabelScore[] and the LabelScore (about 100 bytes on
            // x64); a token list, the padded batch or a logits array would each add more than the margin.
            Assert.True(perCall <= 128, $"Classify(\"{text}\") allocates {perCall} bytes per call");
        }
    }
}
