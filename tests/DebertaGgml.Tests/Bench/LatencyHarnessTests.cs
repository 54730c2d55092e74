using DebertaGgml.Convert.Measurement;

namespace DebertaGgml.Tests.Bench;

/// <summary>The one timing loop of `deberta bench` and the bench project: alternation, round counts and statistics.</summary>
public sealed class LatencyHarnessTests
{
    [Fact]
    public void Rounds_run_every_action_once_in_an_order_rotated_per_round()
    {
        var calls = new List<char>();
        double? warmUpSeconds = null;

        var timings = LatencyHarness.Run([() => calls.Add('a'), () => calls.Add('b'), () => calls.Add('c')], warmUp: 1,
            seconds => { warmUpSeconds = seconds; return 3; }, gapMs: 0);

        // Warm-up round 0, then timed rounds 0, 1, 2: each starts one action later.
        Assert.Equal("abc" + "abc" + "bca" + "cab", string.Concat(calls));
        Assert.True(warmUpSeconds >= 0);
        Assert.All(timings, t => Assert.Equal(3, t.Wall.Runs));
        Assert.All(timings, t => Assert.Equal(3, t.Cpu.Runs));
    }

    [Fact]
    public void Statistics_interpolate_between_ranks_as_numpys_default_percentile_does()
    {
        // numpy.percentile([1..10], [50, 90]) = 5.5, 9.1 (linear interpolation between closest ranks).
        var stats = LatencyStats.From([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);

        Assert.Equal(5.5, stats.MedianMs, 12);
        Assert.Equal(9.1, stats.P90Ms, 12);
        Assert.Equal(1, stats.MinMs);
        Assert.Equal(5.5, stats.MeanMs, 12);
        Assert.Equal(10, stats.Runs);
        Assert.Throws<ArgumentException>(() => LatencyStats.From([]));
    }
}
