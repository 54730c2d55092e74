using System.Runtime.Intrinsics.X86;
using System.Text.Json;
using DebertaGgml.Native;
using DebertaGgml.Tests.TestSupport;

namespace DebertaGgml.Tests.Foundation;

public class NativeLibraryTests
{
    [Fact]
    public void ReportsTheGgmlBuildItWasWrittenFor()
    {
        var info = DebertaLibrary.GetInfo();
        Assert.Equal("0.23.0", info.GgmlVersion);
        Assert.StartsWith("5b4ebc5", info.GgmlCommit);
        var cpu = Assert.Single(info.Devices, d => d.Name == "CPU");
        Assert.True(cpu.TotalMemory > 0 && cpu.FreeMemory <= cpu.TotalMemory, $"{cpu.FreeMemory} of {cpu.TotalMemory}");
    }

    [Fact]
    public void LoadsTheVariantWithGgmlsHighestScoreForThisProcessor()
    {
        if (Environment.GetEnvironmentVariable(NativeLibraryLoader.VariantEnvironmentVariable) != null) return;
        var info = DebertaLibrary.GetInfo();
        Assert.StartsWith("highest ggml score", info.CpuVariantReason);
        // The chosen build uses what this processor has: AVX-512 VNNI and BF16 where present (zen4 on this machine's EPYC).
        if (Avx512F.IsSupported) Assert.Contains("AVX512", info.CpuFeatures);
        if (Avx2.IsSupported) Assert.Contains("AVX2", info.CpuFeatures);
        Assert.True(File.Exists(Path.Combine(NativeLibraryLoader.Info.Directory, $"libggml-cpu-{info.CpuVariant}.so")));
    }

    [Theory]
    [InlineData(1, 1, 1, 1)]
    [InlineData(7, 5, 3, 2)]
    [InlineData(33, 17, 65, 2)]
    [InlineData(64, 128, 256, 1)]
    public void SelfTestMatMulMatchesManagedProduct(int m, int n, int k, int threads)
    {
        var rng = new Random(m * 1000 + n * 10 + k);
        float[] a = Enumerable.Range(0, m * k).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        float[] b = Enumerable.Range(0, n * k).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        float[] result = DebertaLibrary.SelfTestMatMul(a, b, m, n, k, threads);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double expected = 0;
                for (int x = 0; x < k; x++) expected += (double)a[i * k + x] * b[j * k + x];
                Assert.True(Math.Abs(expected - result[i * n + j]) < 1e-4 * Math.Max(1, Math.Sqrt(k)),
                    $"[{i},{j}] expected {expected}, got {result[i * n + j]}");
            }
    }

    [Fact]
    public void InvalidArgumentsBecomeArgumentExceptionsWithTheNativeReason()
    {
        var e = Assert.Throws<ArgumentException>(() => DebertaLibrary.SelfTestMatMul([1f], [1f], 1, 1, 1, threads: 0));
        Assert.Contains("n_threads", e.Message);
    }

    [Fact]
    public void ForcedBaselineVariantStillComputes()
    {
        var r = CliProcess.Run(["info", "--json"], new Dictionary<string, string?> { [NativeLibraryLoader.VariantEnvironmentVariable] = "x64" });
        Assert.True(r.ExitCode == 0, r.StdErr);
        using var doc = JsonDocument.Parse(r.StdOut);
        Assert.Equal("x64", doc.RootElement.GetProperty("info").GetProperty("CpuVariant").GetString());
        Assert.True(doc.RootElement.GetProperty("selfTest").GetBoolean());
    }

    [Fact]
    public void TheChosenVariantIsLoggedWithItsReason()
    {
        var r = CliProcess.Run(["info", "--verbose"], new Dictionary<string, string?> { [NativeLibraryLoader.VariantEnvironmentVariable] = "haswell" });
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains("CPU variant haswell (forced by DEBERTA_CPU_VARIANT)", r.StdErr);
    }

    [Fact]
    public void UnknownForcedVariantIsAOneLineErrorListingTheVariants()
    {
        var r = CliProcess.Run(["info"], new Dictionary<string, string?> { [NativeLibraryLoader.VariantEnvironmentVariable] = "sse9" });
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("'sse9' is not a CPU variant here", r.StdErr);
        Assert.Contains("zen4", r.StdErr);
        Assert.Single(r.StdErr.Trim().Split('\n'));
    }

    [Fact]
    public void MissingNativeLibraryListsThePathsTried()
    {
        using var app = new TempApplication();
        var r = CliProcess.Run(["info"], dll: app.CliDll);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("libdeberta.so", r.StdErr);
        Assert.Contains(Path.Combine(app.Dir, "runtimes", "linux-x64", "native", "libdeberta.so"), r.StdErr);
    }
}
