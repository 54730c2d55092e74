using DebertaGgml.Tests.TestSupport;

namespace DebertaGgml.Tests.Api;

/// <summary>
/// DebertaModelOptions.Threads is the most threads an evaluation uses (0: the physical cores): small evaluations use
/// one, larger ones more as the work grows, and the thread count never changes the results.
/// </summary>
public class ThreadChoiceTests
{
    static string Demo => DemoModelTests.CommittedModel;

    [Fact]
    public void Threads_caps_the_count_and_one_thread_is_one_for_every_shape()
    {
        using (var three = DebertaModel.Load(Demo, new DebertaModelOptions { Threads = 3 }))
        {
            Assert.Equal(1, three.ThreadsFor(1, 4));
            Assert.Equal(3, three.ThreadsFor(8, 512));
        }
        using var one = DebertaModel.Load(Demo, new DebertaModelOptions { Threads = 1 });
        Assert.Equal(1, one.ThreadsFor(8, 512));
    }

    [Fact]
    public void The_count_starts_at_one_and_grows_with_the_work_to_the_default_thread_count()
    {
        using var model = DebertaModel.Load(Demo);
        // The demo is 4 layers of width 128: one short text is far too little work to share.
        Assert.Equal(1, model.ThreadsFor(1, 16));
        int[] ladder = [model.ThreadsFor(1, 16), model.ThreadsFor(1, 128), model.ThreadsFor(4, 128), model.ThreadsFor(8, 256), model.ThreadsFor(8, 512)];
        for (int i = 1; i < ladder.Length; i++)
            Assert.True(ladder[i] >= ladder[i - 1], $"threads fell from {ladder[i - 1]} to {ladder[i]} as the work grew: {string.Join(", ", ladder)}");
        // 8 x 512 tokens is about 19 GFLOP over some 265 graph nodes: enough for every core.
        Assert.Equal(DebertaLibrary.DefaultThreads, ladder[^1]);
    }

    [Fact]
    public void Invalid_shapes_are_rejected()
    {
        using var model = DebertaModel.Load(Demo);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.ThreadsFor(0, 16));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.ThreadsFor(1, -1));
    }

    [Fact]
    public void The_thread_count_does_not_change_the_logits()
    {
        string[] texts = ["Wie spät ist es?", "The weather is lovely today, isn't it?", "Il fait beau aujourd'hui."];
        using var one = DebertaModel.Load(Demo, new DebertaModelOptions { Threads = 1 });
        using var two = DebertaModel.Load(Demo, new DebertaModelOptions { Threads = 2 });
        var a = one.Classify(texts, new ClassifyOptions { Function = ScoreFunction.None, TopK = null });
        var b = two.Classify(texts, new ClassifyOptions { Function = ScoreFunction.None, TopK = null });
        for (int i = 0; i < texts.Length; i++)
            foreach (var (x, y) in a[i].Scores.OrderBy(s => s.Id).Zip(b[i].Scores.OrderBy(s => s.Id)))
            {
                Assert.Equal(x.Label, y.Label);
                Assert.Equal(x.Score, y.Score, 1e-5f);
            }
    }
}
