using System.Diagnostics;

namespace DebertaGgml.Bench;

/// <summary>Achieved F32 GEMM throughput of ggml on this machine: the practical peak the model figures are compared to.</summary>
public sealed record GemmResult(string Method, int M, int N, int K, int Threads, LatencyStats Latency, double Gflops);

public static class GemmPeak
{
    /// <summary>
    /// Times out[m x n] = a[m x k] b[n x k]^T through libdeberta's self-test entry point (one ggml graph, F32, CPU
    /// backend). Each call also builds the graph and copies the operands in and out, so the figure is a slight
    /// underestimate of the kernel's peak; at 2048^3 that overhead is well under 1 %.
    /// </summary>
    public static GemmResult Measure(int threads, int size = 2048, int repeats = 5)
    {
        var rng = new Random(1);
        var a = new float[size * size];
        var b = new float[size * size];
        for (int i = 0; i < a.Length; i++) { a[i] = (float)rng.NextDouble() - 0.5f; b[i] = (float)rng.NextDouble() - 0.5f; }
        DebertaLibrary.SelfTestMatMul(a, b, size, size, size, threads); // warm-up: page in, spin up threads
        var samples = new List<double>();
        for (int r = 0; r < repeats; r++)
        {
            long start = Stopwatch.GetTimestamp();
            DebertaLibrary.SelfTestMatMul(a, b, size, size, size, threads);
            samples.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        var stats = LatencyStats.From(samples);
        double flop = 2.0 * size * size * size;
        return new GemmResult("ggml F32 mul_mat (deberta_selftest_matmul)", size, size, size, threads, stats, flop / (stats.MedianMs * 1e6));
    }
}
