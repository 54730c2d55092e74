using DebertaGgml.Convert.Measurement;
using Microsoft.ML.OnnxRuntime;

namespace DebertaGgml.Bench;

/// <summary>Achieved F32 GEMM throughput on this machine: the practical peak the model figures are compared to.</summary>
public sealed record GemmResult(string Method, int M, int N, int K, int Threads, LatencyStats Latency, double Gflops);

public static class GemmPeak
{
    /// <summary>Both microbenchmarks; the better one is the machine's practical F32 peak.</summary>
    public static IReadOnlyList<GemmResult> Measure(int threads, int size = 2048, int repeats = 5) =>
        [MeasureGgml(threads, size, repeats), MeasureOrt(threads, size, repeats)];

    /// <summary>
    /// out[m x n] = a[m x k] b[n x k]^T through libdeberta's self-test entry point (one ggml graph, F32, CPU backend).
    /// Each call also builds the graph and copies the operands in and out: at 2048^3 that is well under 1 %.
    /// </summary>
    public static GemmResult MeasureGgml(int threads, int size, int repeats)
    {
        var a = RandomMatrix(size * size, 1);
        var b = RandomMatrix(size * size, 2);
        return Time("ggml F32 mul_mat (deberta_selftest_matmul)", size, threads, repeats,
            () => DebertaLibrary.SelfTestMatMul(a, b, size, size, size, threads));
    }

    /// <summary>A one-MatMul ONNX model with a constant (pre-packed) weight, run by ONNX Runtime like the model graphs.</summary>
    public static GemmResult MeasureOrt(int threads, int size, int repeats)
    {
        using var options = new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        using var session = new InferenceSession(OnnxMatMulModel.Build(size, size, size, RandomMatrix(size * size, 2)), options);
        using var x = OrtValue.CreateTensorValueFromMemory(RandomMatrix(size * size, 1), [size, size]);
        using var runOptions = new RunOptions();
        return Time("ORT F32 MatMul (MLAS, constant weight)", size, threads, repeats, () =>
        {
            using var y = session.Run(runOptions, ["X"], [x], ["Y"]);
        });
    }

    static GemmResult Time(string method, int size, int threads, int repeats, Action run)
    {
        // One warm-up run: page in, spin up threads, pack weights.
        var stats = LatencyHarness.Run([run], warmUp: 1, _ => repeats, gapMs: 0)[0].Wall;
        // Peak = the fastest run: on a shared machine the slower runs measure the other processes, not the kernel.
        return new GemmResult(method, size, size, size, threads, stats, 2.0 * size * size * size / (stats.MinMs * 1e6));
    }

    static float[] RandomMatrix(int count, int seed)
    {
        var rng = new Random(seed);
        var values = new float[count];
        for (int i = 0; i < values.Length; i++) values[i] = (float)rng.NextDouble() - 0.5f;
        return values;
    }
}
