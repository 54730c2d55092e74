using System.Runtime.Intrinsics.X86;
using System.Text.Json;
using DebertaGgml.Native;
using DebertaGgml.Tests.TestSupport;

namespace DebertaGgml.Tests.Foundation;

public class NativeLibraryTests
{
    [Fact]
    public void Reports_the_ggml_build_it_was_written_for()
    {
        var info = DebertaLibrary.GetInfo();
        Assert.Equal("0.23.0", info.GgmlVersion);
        Assert.StartsWith("5b4ebc5", info.GgmlCommit);
        var cpu = Assert.Single(info.Devices, d => d.Name == "CPU");
        Assert.True(cpu.TotalMemory > 0 && cpu.FreeMemory <= cpu.TotalMemory, $"{cpu.FreeMemory} of {cpu.TotalMemory}");
    }

    [Fact]
    public void Loads_the_variant_with_ggmls_highest_score_for_this_processor()
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
    public void Self_test_matmul_matches_the_managed_product(int m, int n, int k, int threads)
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
    public void Invalid_arguments_become_argument_exceptions_with_the_native_reason()
    {
        var e = Assert.Throws<ArgumentException>(() => DebertaLibrary.SelfTestMatMul([1f], [1f], 1, 1, 1, threads: 0));
        Assert.Contains("n_threads", e.Message);
    }

    [Fact]
    public void Forced_baseline_variant_still_computes()
    {
        var r = CliProcess.Run(["info", "--json"], new Dictionary<string, string?> { [NativeLibraryLoader.VariantEnvironmentVariable] = "x64" });
        Assert.True(r.ExitCode == 0, r.StdErr);
        using var doc = JsonDocument.Parse(r.StdOut);
        Assert.Equal("x64", doc.RootElement.GetProperty("info").GetProperty("cpu_variant").GetString());
        Assert.True(doc.RootElement.GetProperty("self_test").GetBoolean());
    }

    [Fact]
    public void The_chosen_variant_is_logged_with_its_reason()
    {
        var r = CliProcess.Run(["info", "--verbose"], new Dictionary<string, string?> { [NativeLibraryLoader.VariantEnvironmentVariable] = "haswell" });
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains("CPU variant haswell (forced by DEBERTA_CPU_VARIANT)", r.StdErr);
    }

    [Fact]
    public void The_remembered_choice_is_the_one_a_full_scan_makes()
    {
        string cache = Directory.CreateTempSubdirectory("deberta-cache-").FullName;
        try
        {
            var env = new Dictionary<string, string?> { ["XDG_CACHE_HOME"] = cache, [NativeLibraryLoader.VariantEnvironmentVariable] = null };
            (string Variant, string Reason) Info()
            {
                var r = CliProcess.Run(["info", "--json"], env);
                Assert.True(r.ExitCode == 0, r.StdErr);
                using var doc = JsonDocument.Parse(r.StdOut);
                var info = doc.RootElement.GetProperty("info");
                return (info.GetProperty("cpu_variant").GetString()!, info.GetProperty("cpu_variant_reason").GetString()!);
            }
            string file = Path.Combine(cache, "deberta", "cpu-variant");
            var scanned = Info();
            Assert.DoesNotContain("remembered", scanned.Reason);
            Assert.True(File.Exists(file));
            var remembered = Info();
            Assert.Equal(scanned.Variant, remembered.Variant);
            Assert.Equal($"{scanned.Reason}, remembered in {file}", remembered.Reason);

            // A stale entry (another key: other files or another processor; or a variant whose own score is not the
            // remembered one) is ignored, and the scan decides again.
            string[] lines = File.ReadAllLines(file);
            File.WriteAllLines(file, ["0000000000000000", "x64", "1", "1"]);
            Assert.Equal(scanned, Info());
            File.WriteAllLines(file, [lines[0], "x64", lines[2], lines[3]]);
            Assert.Equal(scanned, Info());
        }
        finally
        {
            Directory.Delete(cache, recursive: true);
        }
    }

    [Fact]
    public void Unknown_forced_variant_is_a_one_line_error_listing_the_variants()
    {
        var r = CliProcess.Run(["info"], new Dictionary<string, string?> { [NativeLibraryLoader.VariantEnvironmentVariable] = "sse9" });
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("'sse9' is not a CPU variant here", r.StdErr);
        Assert.Contains("zen4", r.StdErr);
        Assert.Single(r.StdErr.Trim().Split('\n'));
    }

    [Fact]
    public void Missing_native_library_lists_the_paths_tried()
    {
        using var app = new TempApplication();
        var r = CliProcess.Run(["info"], dll: app.CliDll);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("libdeberta.so", r.StdErr);
        Assert.Contains(Path.Combine(app.Dir, "runtimes", "linux-x64", "native", "libdeberta.so"), r.StdErr);
    }
}
