using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;

namespace DebertaGgml.Bench;

public static class MachineProbe
{
    public static MachineInfo Describe()
    {
        var library = DebertaLibrary.GetInfo();
        return new MachineInfo(CpuModel(), Environment.ProcessorCount, RuntimeInformation.OSDescription,
            RuntimeInformation.FrameworkDescription, OrtEnv.Instance().GetVersionString(),
            $"{library.GgmlVersion} ({library.GgmlCommit})", library.CpuVariant, LoadAverage());
    }

    /// <summary>1/5/15-minute load averages: other developers share this machine, so every report records them.</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    static string CpuModel()
    {
        const string cpuinfo = "/proc/cpuinfo";
        if (!File.Exists(cpuinfo)) return RuntimeInformation.ProcessArchitecture.ToString();
        string? name = File.ReadLines(cpuinfo).FirstOrDefault(l => l.StartsWith("model name"))?.Split(':', 2)[1].Trim();
        string? flags = File.ReadLines(cpuinfo).FirstOrDefault(l => l.StartsWith("flags"))?.Split(':', 2)[1];
        var simd = new[] { "avx2", "avx512f", "avx512_vnni", "avx512_bf16", "avx512_fp16" }
            .Where(f => flags != null && flags.Split(' ').Contains(f));
        return $"{name ?? "unknown"} [{string.Join(' ', simd)}]";
    }
}
