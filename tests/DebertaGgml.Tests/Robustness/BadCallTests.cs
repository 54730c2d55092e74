using DebertaGgml.Tests.TestSupport;

namespace DebertaGgml.Tests.Robustness;

/// <summary>Calls that ask for the impossible get a clear exception before anything large is attempted.</summary>
public class BadCallTests
{
    [Fact]
    public void A_context_larger_than_memory_is_refused_before_allocating()
    {
        using var model = DebertaModel.Load(ConvertedModels.Get("v3-SequenceClassification"),
            new DebertaModelOptions { Threads = 1, MaxBatch = 60_000, MaxSequenceLength = 512 });
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var e = Assert.Throws<InsufficientMemoryException>(() => model.Classify("hello"));
        Assert.Contains("GiB", e.Message);
        Assert.Contains("60000 sequences", e.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
    }
}
