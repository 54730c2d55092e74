using System.Diagnostics;

namespace DebertaGgml.Convert.Measurement;

/// <summary>Wall-clock latency of one timed action, and the CPU time the process spent per run.</summary>
/// <param name="Wall">Wall-clock milliseconds per run.</param>
/// <param name="Cpu">Milliseconds of the process's CPU time per run.</param>
public sealed record LatencyTiming(LatencyStats Wall, LatencyStats Cpu);

/// <summary>
/// The timing loop of `deberta bench` and of bench/DebertaGgml.Bench. Several actions (engines) are alternated:
/// every round runs each once, in an order rotated per round, so load from other processes on a shared machine hits
/// all alike. Besides wall time it records the process's CPU time per run: when other processes take the cores,
/// wall time grows with the time spent descheduled, CPU time much less, so the CPU ratio is the steadier figure.
/// </summary>
public static class LatencyHarness
{
    /// <summary>
    /// Runs <paramref name="warmUp"/> untimed rounds, then the timed rounds; <paramref name="timedRounds"/> gets the
    /// last warm-up round's seconds (0 without warm-up) and returns how many. <paramref name="gapMs"/> idle
    /// milliseconds precede every run, so the previous run's worker threads (libgomp and ORT busy-wait after a run)
    /// have stopped spinning, or to measure requests that arrive one at a time.
    /// </summary>
    /// <returns>One timing per action, in the order given.</returns>
    public static IReadOnlyList<LatencyTiming> Run(IReadOnlyList<Action> actions, int warmUp, Func<double, int> timedRounds, int gapMs)
    {
        var wall = actions.Select(_ => new List<double>()).ToArray();
        var cpu = actions.Select(_ => new List<double>()).ToArray();
        double roundSeconds = 0;
        for (int w = 0; w < warmUp; w++)
            roundSeconds = RunRound(actions, w, null, null, gapMs);
        int rounds = timedRounds(roundSeconds);
        for (int r = 0; r < rounds; r++)
            RunRound(actions, r, wall, cpu, gapMs);
        return wall.Select((samples, a) => new LatencyTiming(LatencyStats.From(samples), LatencyStats.From(cpu[a]))).ToList();
    }

    /// <summary>Runs every action once; returns the round's wall time in seconds (without the idle gaps).</summary>
    private static double RunRound(IReadOnlyList<Action> actions, int round, List<double>[]? wall, List<double>[]? cpu, int gapMs)
    {
        using var process = Process.GetCurrentProcess();
        var total = Stopwatch.StartNew();
        for (int j = 0; j < actions.Count; j++)
        {
            int a = (j + round) % actions.Count;
            if (gapMs > 0)
            {
                total.Stop();
                Thread.Sleep(gapMs);
                total.Start();
            }
            process.Refresh();
            var cpuStart = process.TotalProcessorTime;
            long start = Stopwatch.GetTimestamp();
            actions[a]();
            double elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            process.Refresh();
            wall?[a].Add(elapsed);
            cpu?[a].Add((process.TotalProcessorTime - cpuStart).TotalMilliseconds);
        }
        return total.Elapsed.TotalSeconds;
    }
}
