using System.Diagnostics;

namespace DebertaGgml.Bench;

/// <summary>Wall-clock latency of one engine, and the CPU time the process spent per run.</summary>
public sealed record EngineTiming(LatencyStats Wall, LatencyStats Cpu);

/// <summary>
/// Times several engines on one input by alternating them: every round runs each engine once, in an order rotated
/// per round, so load from other processes on this shared machine hits all engines alike. Besides wall time it
/// records the process's CPU time per run: when other processes take the cores, wall time grows with the time
/// spent descheduled, CPU time much less, so the CPU ratio is the steadier figure on a busy machine.
/// </summary>
public static class LatencyRunner
{
    public static IReadOnlyList<EngineTiming> Run(IReadOnlyList<IBenchEngine> engines, BenchInput input, BenchOptions options)
    {
        var wall = engines.Select(_ => new List<double>()).ToArray();
        var cpu = engines.Select(_ => new List<double>()).ToArray();
        double roundSeconds = 0;
        for (int w = 0; w < options.WarmUp; w++)
            roundSeconds = RunRound(engines, input, w, null, null, options.GapMs);
        int rounds = options.Iterations > 0
            ? options.Iterations
            : (int)Math.Clamp(options.SecondsPerShape / Math.Max(roundSeconds, 1e-3), 5, 50);
        for (int r = 0; r < rounds; r++)
            RunRound(engines, input, r, wall, cpu, options.GapMs);
        return wall.Select((samples, e) => new EngineTiming(LatencyStats.From(samples), LatencyStats.From(cpu[e]))).ToList();
    }

    /// <summary>Runs every engine once; returns the round's wall time in seconds (without the idle gaps).</summary>
    static double RunRound(IReadOnlyList<IBenchEngine> engines, BenchInput input, int round, List<double>[]? wall,
                           List<double>[]? cpu, int gapMs)
    {
        using var process = Process.GetCurrentProcess();
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
            process.Refresh();
            var cpuStart = process.TotalProcessorTime;
            long start = Stopwatch.GetTimestamp();
            engines[e].Run(input);
            double elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            process.Refresh();
            wall?[e].Add(elapsed);
            cpu?[e].Add((process.TotalProcessorTime - cpuStart).TotalMilliseconds);
        }
        return total.Elapsed.TotalSeconds;
    }
}
