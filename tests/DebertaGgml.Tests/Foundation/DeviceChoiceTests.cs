using System.Text.RegularExpressions;
using DebertaGgml.Native;
using DebertaGgml.Tests.Api;
using DebertaGgml.Tests.TestSupport;

namespace DebertaGgml.Tests.Foundation;

/// <summary>
/// Device choice on a machine without GPU backends (the default build ships none): a named GPU backend that is not
/// installed or does not load is a one-line error, `best` falls back to the CPU and says so, and the graph runs
/// through the scheduler with the CPU as its only backend. Where a GPU backend is installed, the tests that assume
/// none return early: docs/gpu.md has the GPU checks.
/// </summary>
public class DeviceChoiceTests
{
    static string Model => DemoModelTests.CommittedModel;

    static bool AnyGpuDevice() => DebertaLibrary.GetInfo().Devices.Any(d => d.Name != "CPU");

    [Theory]
    [InlineData(DebertaDevice.Cuda, "CUDA", "DebertaGgml.Runtime.Cuda")]
    [InlineData(DebertaDevice.Vulkan, "Vulkan", "DebertaGgml.Runtime.Vulkan")]
    public void A_gpu_backend_that_is_not_installed_is_an_error_naming_its_package(DebertaDevice device, string backend, string package)
    {
        if (AnyGpuDevice()) return;
        var e = Assert.Throws<DebertaNativeException>(() => DebertaModel.Load(Model, new DebertaModelOptions { Device = device }));
        Assert.Equal(6, e.Status); // DEBERTA_STATUS_BACKEND_ERROR
        Assert.Contains($"the {backend} backend is not installed (no libggml-{backend.ToLowerInvariant()}.so in {NativeLibraryLoader.Info.Directory})", e.Message);
        Assert.Contains($"add the NuGet package {package}", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Metal_off_macOS_says_it_runs_on_macOS_only()
    {
        if (OperatingSystem.IsMacOS()) return;
        var e = Assert.Throws<DebertaNativeException>(() => DebertaModel.Load(Model, new DebertaModelOptions { Device = DebertaDevice.Metal }));
        Assert.EndsWith("Metal runs on macOS only", e.Message);
    }

    [Fact]
    public void Best_without_a_gpu_runs_on_the_cpu_and_says_so()
    {
        if (AnyGpuDevice()) return;
        using var best = DebertaModel.Load(Model, new DebertaModelOptions { Device = DebertaDevice.Best });
        using var cpu = DebertaModel.Load(Model, new DebertaModelOptions { Device = DebertaDevice.Cpu });
        Assert.Equal("CPU", best.Info.Device);
        Assert.Equal("best: no GPU backend is installed, running on the CPU", best.Info.DeviceReason);
        Assert.Equal("requested", cpu.Info.DeviceReason);
        var input = new ModelInput([1, 10, 20, 2], [1, 1, 1, 1], null, 1, 4);
        Assert.Equal(cpu.Evaluate(input).Logits, best.Evaluate(input).Logits);
    }

    [Fact]
    public void A_device_value_outside_the_enum_is_rejected_by_the_options_and_by_the_c_api()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => DebertaModel.Load(Model, new DebertaModelOptions { Device = (DebertaDevice)9 }));
        var parameters = NativeMethods.deberta_model_default_params();
        parameters.device = 9;
        var e = Assert.Throws<ArgumentException>(() => { using var handle = ModelHandle.Load(Model, parameters); });
        Assert.Contains("params.device 9 is not a deberta_device", e.Message);
    }

    [Fact]
    public void Cli_device_cuda_without_the_backend_is_one_error_line_naming_the_package()
    {
        if (AnyGpuDevice()) return;
        foreach (string[] command in new[] { new[] { "classify", "--device", "cuda", "Wie spät ist es?" },
                                             ["bench", Model, "--device", "cuda", "--iterations", "1"] })
        {
            var r = CliProcess.Run(command);
            Assert.Equal(1, r.ExitCode);
            string line = Assert.Single(r.StdErr.Trim().Split('\n'));
            Assert.StartsWith("deberta: error: ", line);
            Assert.Contains("the CUDA backend is not installed", line);
            Assert.Contains("DebertaGgml.Runtime.Cuda", line);
        }
    }

    [Fact]
    public void Cli_rejects_an_unknown_device_name_listing_the_names()
    {
        var r = CliProcess.Run(["classify", "--device", "gpu", "Wie spät ist es?"]);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("--device 'gpu': not a device; use one of cpu, best, cuda, vulkan, metal", r.StdErr + r.StdOut);
    }

    [Fact]
    public void Cli_best_logs_the_cpu_fallback_and_the_graph_placed_wholly_on_the_cpu()
    {
        if (AnyGpuDevice()) return;
        var r = CliProcess.Run(["classify", "--device", "best", "--verbose", "Wie spät ist es?"]);
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.StartsWith("de\t", r.StdOut);
        Assert.Contains("deberta: info: device: CPU (", r.StdErr);
        Assert.Contains("(best: no GPU backend is installed, running on the CPU)", r.StdErr);
        // The scheduler path with the CPU as its only backend: one split, every node on the CPU, nothing reported
        // as fallen back (the line names fallbacks only when the model's device is a GPU).
        var placements = Regex.Matches(r.StdErr, @"graph placement: (\d+) nodes in (\d+) splits; CPU (\d+)\r?$", RegexOptions.Multiline);
        Assert.NotEmpty(placements);
        foreach (Match m in placements)
        {
            Assert.Equal("1", m.Groups[2].Value);
            Assert.Equal(m.Groups[1].Value, m.Groups[3].Value);
            Assert.True(int.Parse(m.Groups[1].Value) > 10, m.Value);
        }
    }

    [Fact]
    public void Info_lists_every_device_with_its_memory()
    {
        var r = CliProcess.Run(["info"]);
        Assert.True(r.ExitCode == 0, r.StdErr);
        var devices = Regex.Matches(r.StdOut, @"^device (\d+): (\S+) - .+ \((\d+) MiB free of (\d+) MiB\)\r?$", RegexOptions.Multiline);
        Assert.Equal(DebertaLibrary.GetInfo().Devices.Count, devices.Count);
        Assert.Contains(devices, m => m.Groups[2].Value == "CPU");
        foreach (Match m in devices)
        {
            long free = long.Parse(m.Groups[3].Value), total = long.Parse(m.Groups[4].Value);
            Assert.True(total > 0 && free <= total, m.Value);
        }
    }

    [Fact]
    public void A_gpu_backend_file_that_does_not_load_is_reported_with_the_loaders_reason()
    {
        // An application folder whose runtime holds libggml-cuda.so and libggml-vulkan.so that are not libraries.
        using var app = new TempApplication();
        string native = Path.Combine(app.Dir, "runtimes", "linux-x64", "native");
        Directory.CreateDirectory(native);
        foreach (string file in Directory.GetFiles(NativeLibraryLoader.Info.Directory))
            File.Copy(file, Path.Combine(native, Path.GetFileName(file)));
        foreach (string name in new[] { "cuda", "vulkan" })
            File.WriteAllText(Path.Combine(native, $"libggml-{name}.so"), "not a shared library");

        var cuda = CliProcess.Run(["classify", "--model", Model, "--device", "cuda", "Wie spät ist es?"], dll: app.CliDll);
        Assert.Equal(1, cuda.ExitCode);
        string error = cuda.StdErr.Trim().Split('\n').Last();
        Assert.Contains($"the CUDA backend is installed but cannot run: {Path.Combine(native, "libggml-cuda.so")} did not load (", error);
        Assert.Contains("are its driver and runtime libraries installed?", error);

        var best = CliProcess.Run(["classify", "--model", Model, "--device", "best", "--verbose", "Wie spät ist es?"], dll: app.CliDll);
        Assert.True(best.ExitCode == 0, best.StdErr);
        Assert.StartsWith("de\t", best.StdOut);
        Assert.Contains("(best: no GPU available (cuda did not load; vulkan did not load), running on the CPU)", best.StdErr);
    }
}
