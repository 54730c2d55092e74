using System.Diagnostics;

namespace DebertaGgml.Bench;

/// <summary>
/// Times several engines on one input by alternating them: every round runs each engine once, in an order rotated
/// per round, so load from other processes on this shared machine hits all engines alike.
/// </summary>
public static class LatencyRunner
{
    public static IReadOnlyList<LatencyStats> Run(IReadOnlyList<IBenchEngine> engines, BenchInput input, BenchOptions options)
    {
        var samples = engines.Select(_ => new List<double>()).ToArray();
        double roundSeconds = 0;
        for (int w = 0; w < options.WarmUp; w++)
            roundSeconds = RunRound(engines, input, w, null, options.GapMs);
        int rounds = options.Iterations > 0
            ? options.Iterations
            : (int)Math.Clamp(options.SecondsPerShape / Math.Max(roundSeconds, 1e-3), 5, 50);
        for (int r = 0; r < rounds; r++)
            RunRound(engines, input, r, samples, options.GapMs);
        return samples.Select(LatencyStats.From).ToList();
    }

    /// <summary>Runs every engine once; returns the round's wall time in seconds (without the idle gaps).</summary>
    static double RunRound(IReadOnlyList<IBenchEngine> engines, BenchInput input, int round, List<double>[]? samples, int gapMs)
    {
        var total = Stopwatch.StartNew();
        for (int j = 0; j < engines.Count; j++)
        {
            int e = (j + round) % engines.Count;
            if (gapMs > 0)
            {
                total.Stop();
                Thread.Sleep(gapMs);
                total.Start();
            }
            long start = Stopwatch.GetTimestamp();
            engines[e].Run(input);
            samples?[e].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        return total.Elapsed.TotalSeconds;
    }
}
