using System.Runtime.Intrinsics.X86;
using System.Text.Json;
using DebertaGgml.Gguf;
using DebertaGgml.Native;
using DebertaGgml.Tests.TestSupport;

namespace DebertaGgml.Tests.Graph;

/// <summary>
/// libdeberta's own weight-product kernels (native/src/kernels: Q8_0 through AVX512-VNNI, BF16 through AVX512-BF16,
/// F32 and F16 through AVX-512 FMA; each also in an AVX2 form) against ggml's mul_mat and an F64 reference, and the
/// load-time choice between them.
/// The exhaustive shape sweep against scalar references is the native deberta_kernel_checks (NativeSanitizerTests).
/// </summary>
public class OwnKernelTests
{
    public OwnKernelTests() => NativeLibraryLoader.EnsureLoaded();

    /// <summary>(K, N, M): the base model's products, and odd ones (K not a multiple of 256, N not of 16, M = 1 and 3).</summary>
    static readonly (int K, int N, int M)[] Shapes =
    [
        (768, 768, 128), (768, 3072, 128), (3072, 768, 128), (1024, 1024, 16), (384, 1536, 3), (128, 512, 1),
        (96, 37, 1), (1056, 49, 3), (160, 16, 7), (2080, 250, 3), (768, 768, 200),
    ];

    /// <summary>
    /// Largest |own - ggml| of an output relative to that output's sum of |x_k w_k|. F32, BF16 and Q8_0: the same rounded
    /// inputs and the same per-block integer dots, so only the float summation order differs (1e-5). F16: ggml's F16 path
    /// rounds the activations to F16 and ours keeps them F32; rounding to nearest moves each x_k by at most 2^-11 |x_k|
    /// (11 significant bits), so each term by at most 2^-11 |x_k w_k| and the sum by at most 2^-11 of the sum of |terms|,
    /// plus the summation order.
    /// </summary>
    static double AgreementBound(GgmlType type) => type == GgmlType.F16 ? Math.ScaleB(1, -11) + 1e-5 : 1e-5;

    /// <summary>Which of our kernels a self-test product takes (deberta_selftest_weight_product's own_kernels).</summary>
    public enum Kernels { Ggml = 0, Widest = 1, Avx2 = 2 }

    public static TheoryData<GgmlType, int, Kernels> TypesAndThreads => new()
    {
        { GgmlType.F32, 1, Kernels.Widest }, { GgmlType.F32, 2, Kernels.Widest }, { GgmlType.F16, 1, Kernels.Widest },
        { GgmlType.F16, 2, Kernels.Widest }, { GgmlType.BF16, 1, Kernels.Widest }, { GgmlType.BF16, 2, Kernels.Widest },
        { GgmlType.Q8_0, 1, Kernels.Widest }, { GgmlType.Q8_0, 2, Kernels.Widest },
        // The AVX2 kernels, which an AVX-512 processor runs too.
        { GgmlType.F32, 1, Kernels.Avx2 }, { GgmlType.F32, 2, Kernels.Avx2 }, { GgmlType.F16, 1, Kernels.Avx2 },
        { GgmlType.F16, 2, Kernels.Avx2 }, { GgmlType.BF16, 1, Kernels.Avx2 }, { GgmlType.BF16, 2, Kernels.Avx2 },
        { GgmlType.Q8_0, 1, Kernels.Avx2 }, { GgmlType.Q8_0, 2, Kernels.Avx2 },
    };

    [Theory]
    [MemberData(nameof(TypesAndThreads))]
    public void Own_kernels_agree_with_ggml_mul_mat_and_the_f64_product(GgmlType type, int threads, Kernels kernels)
    {
        if (!OwnKernelRuns(type, kernels)) return; // a processor without the instructions: nothing of ours to compare
        var random = new Random(42);
        foreach (var (k, n, m) in Shapes)
        {
            float[] x = Normal(random, m * k, 1.0f), w = Normal(random, n * k, 0.05f);
            byte[] stored = Store(type, w, n, k);
            float[] wValues = Load(type, stored, n * k);
            float[] ggml = Product(type, stored, x, m, n, k, threads, Kernels.Ggml);
            float[] own = Product(type, stored, x, m, n, k, threads, kernels);
            double worstAgreement = 0, worstExact = 0, largest = 0;
            for (int r = 0; r < m; r++)
            {
                for (int c = 0; c < n; c++)
                {
                    double exact = 0, magnitude = 0;
                    for (int i = 0; i < k; i++)
                    {
                        exact += (double)x[r * k + i] * wValues[c * k + i];
                        magnitude += Math.Abs((double)x[r * k + i] * wValues[c * k + i]);
                    }
                    double got = own[r * n + c];
                    worstAgreement = Math.Max(worstAgreement, Math.Abs(got - ggml[r * n + c]) / magnitude);
                    worstExact = Math.Max(worstExact, Math.Abs(got - exact));
                    largest = Math.Max(largest, Math.Abs(exact));
                }
            }
            Assert.True(worstAgreement <= AgreementBound(type),
                $"{type} {kernels} {k}x{n}x{m}, {threads} threads: |own - ggml| up to {worstAgreement:E2} of the sum of |terms|");
            Assert.True(worstExact <= ExactTolerance(type) * largest,
                $"{type} {kernels} {k}x{n}x{m}, {threads} threads: |own - f64| up to {worstExact:E2} for outputs up to {largest:E2}");
        }
    }

    /// <summary>Error against the F64 product relative to the largest output: the activations' rounding (none for F32 and
    /// F16, whose weights are exact halves; bf16; Q8_0).</summary>
    static double ExactTolerance(GgmlType type) => type switch { GgmlType.F32 or GgmlType.F16 => 1e-5, GgmlType.BF16 => 4e-3, _ => 1.5e-2 };

    [Fact]
    public void A_weight_too_small_for_a_panel_has_no_own_kernel()
    {
        var w = new float[8 * 64];
        var x = new float[64];
        var outputs = new float[8];
        var status = Call(GgmlType.F32, Store(GgmlType.F32, w, 8, 64), x, outputs, 1, 8, 64, 1, 1);
        Assert.Equal(deberta_status.DEBERTA_STATUS_UNSUPPORTED, status);
    }

    [Fact]
    public void The_model_multiplies_its_layer_weights_with_our_kernels_on_this_cpu()
    {
        // The F32 and F16 kernels need AVX-512 F, BW, DQ and VL, or AVX2 with FMA (and F16C, which every AVX2 processor
        // has); on such a processor every layer projection must be ours.
        bool f32Kernel = (Avx512F.IsSupported && Avx512BW.IsSupported && Avx512DQ.IsSupported && Avx512F.VL.IsSupported) ||
                         (Avx2.IsSupported && Fma.IsSupported);
        foreach (var type in new[] { GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0 })
        {
            using var model = DebertaModel.Load(ConvertedModels.Get("v3-SequenceClassification", type));
            long expected = OwnKernelRuns(type) ? 6L * model.Info.NumHiddenLayers : 0;
            Assert.Equal(expected, model.Info.OwnKernelWeights);
            if (type is GgmlType.F32 or GgmlType.F16) Assert.Equal(f32Kernel, model.Info.OwnKernelWeights > 0);
        }
    }

    [Fact]
    public void Deberta_kernels_ggml_turns_our_kernels_off_avx2_keeps_them_and_a_bad_value_is_an_error()
    {
        string model = ConvertedModels.Get("v3-SequenceClassification");
        long Weights(string file, string? setting)
        {
            var r = CliProcess.Run(["bench", file, "--iterations", "1", "--warmup", "0", "--seq", "8", "--json"],
                new Dictionary<string, string?> { ["DEBERTA_KERNELS"] = setting });
            Assert.True(r.ExitCode == 0, r.StdErr);
            using var doc = JsonDocument.Parse(r.StdOut);
            return doc.RootElement.GetProperty("own_kernel_weights").GetInt64();
        }
        foreach (var type in new[] { GgmlType.F32, GgmlType.F16 })
        {
            string file = ConvertedModels.Get("v3-SequenceClassification", type);
            Assert.Equal(0, Weights(file, "ggml"));
            Assert.Equal(OwnKernelRuns(type) ? 12 : 0, Weights(file, null)); // 2 layers x 6 projections
            Assert.Equal(Weights(file, null), Weights(file, "auto"));
            Assert.Equal(OwnKernelRuns(type, Kernels.Avx2) ? 12 : 0, Weights(file, "avx2"));
        }

        var bad = CliProcess.Run(["bench", model, "--iterations", "1", "--warmup", "0", "--seq", "8"],
            new Dictionary<string, string?> { ["DEBERTA_KERNELS"] = "fast" });
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("DEBERTA_KERNELS='fast' is not a choice", bad.StdErr);
    }

    [Fact]
    public void Our_ops_and_ggmls_give_the_same_f32_model_outputs_at_odd_lengths()
    {
        // With our kernels, the products also add the bias and apply GELU in their output stage, and the attention
        // products (QK^T, c2p, p2c, probabilities x V) are ours; DEBERTA_KERNELS=ggml runs ggml's ops for all of them,
        // DEBERTA_KERNELS=avx2 our AVX2 forms. Odd lengths give partial panels (N = T and 2T not multiples of 16) and a
        // padded row.
        string model = ConvertedModels.Get("v3-SequenceClassification", GgmlType.F32);
        string dir = Directory.CreateTempSubdirectory("deberta-own-ops-").FullName;
        try
        {
            foreach (int t in new[] { 7, 13, 37 })
            {
                string input = Path.Combine(dir, $"batch{t}.json");
                int[] Ids(int seed) => [1, .. Enumerable.Range(0, t - 2).Select(i => 5 + (i * 37 + seed * 11) % 90), 2];
                File.WriteAllText(input, JsonSerializer.Serialize(new Dictionary<string, int[][]>
                {
                    ["input_ids"] = [Ids(1), Ids(2)],
                    ["attention_mask"] = [Enumerable.Repeat(1, t).ToArray(), [.. Enumerable.Repeat(1, t - 3), 0, 0, 0]],
                }));
                float[][] Outputs(string? setting)
                {
                    string output = Path.Combine(dir, $"out{t}-{setting ?? "own"}.json");
                    var r = CliProcess.Run(["eval", model, "--input", input, "--output", output, "--all-hidden"],
                        new Dictionary<string, string?> { ["DEBERTA_KERNELS"] = setting });
                    Assert.True(r.ExitCode == 0, r.StdErr);
                    using var doc = JsonDocument.Parse(File.ReadAllBytes(output));
                    return [Floats(doc.RootElement.GetProperty("hidden_states")), Floats(doc.RootElement.GetProperty("logits"))];
                }
                float[][] ggml = Outputs("ggml");
                foreach (string? setting in new[] { null, "avx2" })
                {
                    float[][] own = Outputs(setting);
                    for (int o = 0; o < ggml.Length; o++)
                    {
                        Assert.Equal(ggml[o].Length, own[o].Length);
                        double worst = ggml[o].Zip(own[o], (a, b) => (double)Math.Abs(a - b)).Max();
                        Assert.True(worst <= OwnOpsBound,
                            $"T={t}, {setting ?? "auto"}, {(o == 0 ? "hidden states" : "logits")}: max |own - ggml| {worst:E2}");
                    }
                }
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Summation order and GELU's float rounding (native/tests/kernel_checks.cpp) through the layers: a tenth
    /// of the F32 parity tolerance (docs/graph.md).</summary>
    const double OwnOpsBound = 1e-5;

    static float[] Floats(JsonElement e) =>
        e.ValueKind == JsonValueKind.Array ? e.EnumerateArray().SelectMany(Floats).ToArray() : [e.GetSingle()];

    /// <summary>Whether libdeberta has a kernel of its own for type on this processor (asked with a product that fits one).</summary>
    static bool OwnKernelRuns(GgmlType type, Kernels kernels = Kernels.Widest)
    {
        var w = new float[16 * 64];
        var x = new float[64];
        var outputs = new float[16];
        var status = Call(type, Store(type, w, 16, 64), x, outputs, 1, 16, 64, 1, (int)kernels);
        Assert.True(status is deberta_status.DEBERTA_STATUS_OK or deberta_status.DEBERTA_STATUS_UNSUPPORTED, status.ToString());
        return status == deberta_status.DEBERTA_STATUS_OK;
    }

    static float[] Product(GgmlType type, byte[] w, float[] x, int m, int n, int k, int threads, Kernels kernels)
    {
        var outputs = new float[m * n];
        var status = Call(type, w, x, outputs, m, n, k, threads, (int)kernels);
        NativeErrors.ThrowIfFailed(status, "deberta_selftest_weight_product");
        return outputs;
    }

    static unsafe deberta_status Call(GgmlType type, byte[] w, float[] x, float[] outputs, int m, int n, int k, int threads, int ownKernels)
    {
        fixed (byte* pw = w)
        fixed (float* px = x, po = outputs)
            return NativeMethods.deberta_selftest_weight_product((int)type, pw, (nuint)w.Length, px, po, m, n, k, threads, ownKernels);
    }

    /// <summary>Rows of w in type, written by ggml's own converter (deberta_quantize).</summary>
    static unsafe byte[] Store(GgmlType type, float[] w, int rows, int k)
    {
        var bytes = new byte[(int)NativeMethods.deberta_type_row_size((int)type, k) * rows];
        nuint written;
        fixed (float* src = w)
        fixed (byte* dst = bytes)
            Assert.Equal(deberta_status.DEBERTA_STATUS_OK,
                NativeMethods.deberta_quantize((int)type, src, dst, rows, k, (nuint)bytes.Length, &written));
        return bytes;
    }

    static unsafe float[] Load(GgmlType type, byte[] stored, int count)
    {
        var values = new float[count];
        fixed (byte* src = stored)
        fixed (float* dst = values)
            Assert.Equal(deberta_status.DEBERTA_STATUS_OK, NativeMethods.deberta_dequantize((int)type, src, (nuint)stored.Length, dst, count));
        return values;
    }

    static float[] Normal(Random random, int count, float scale)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++)
            values[i] = scale * (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
        return values;
    }
}
