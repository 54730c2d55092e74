using System.Globalization;
using System.Text;
using System.Text.Json;
using DebertaGgml.Convert;

namespace DebertaGgml.Bench;

/// <summary>Writes a report as JSON and as the markdown tables of docs/BENCHMARKS.md.</summary>
public static class ReportWriter
{
    public const string DocsBegin = "<!-- bench:results:begin -->";
    public const string DocsEnd = "<!-- bench:results:end -->";

    public static string Json(BenchReport report) =>
        JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals });

    public static string Markdown(BenchReport report)
    {
        var md = new StringBuilder();
        var m = report.Machine;
        md.AppendLine($"Run {report.StartedUtc:yyyy-MM-dd HH:mm} UTC: `{report.Command}`");
        md.AppendLine();
        md.AppendLine($"Machine: {m.Cpu}, {m.LogicalCpus} logical CPUs; {m.Os}; {m.Runtime}; ONNX Runtime {m.OrtVersion}; " +
                      $"ggml {m.GgmlVersion}, CPU variant {m.GgmlCpuVariant}; load average at start {m.LoadAverageAtStart}.");
        foreach (var g in report.Gemm)
            md.AppendLine($"GEMM {g.M}x{g.N}x{g.K}, {g.Threads} threads, {g.Method}: {F(g.Gflops, 1)} GFLOP/s (fastest of {g.Latency.Runs}: {F(g.Latency.MinMs, 1)} ms, median {F(g.Latency.MedianMs, 1)} ms)" +
                          (g == report.GemmPeak ? " = **peak** used below." : "."));
        foreach (string model in report.Latency.Select(r => r.Model).Concat(report.Memory.Select(r => r.Model))
                     .Concat(report.Agreement.Select(r => r.Model)).Distinct())
        {
            md.AppendLine();
            md.AppendLine($"#### deberta-v3-{model} dimensions");
            var latency = report.Latency.Where(r => r.Model == model).ToList();
            if (latency.Count > 0)
            {
                md.AppendLine();
                md.AppendLine("| shape | engine | median ms | p90 ms | runs | ours/ORT | ours/ORT int8 | CPU ms | CPU ours/ORT | tokens/s | GFLOP/s | % of GEMM peak |");
                md.AppendLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
                foreach (var r in latency)
                    md.AppendLine($"| {r.Shape} | {r.Engine} | {F(r.Stats.MedianMs, 2)} | {F(r.Stats.P90Ms, 2)} | {r.Stats.Runs} | " +
                                  $"{F(r.RatioToOrt, 2)} | {F(r.RatioToOrtInt8, 2)} | {F(r.Cpu.MedianMs, 1)} | {F(r.CpuRatioToOrt, 2)} | {F(r.TokensPerSecond, 0)} | {F(r.Gflops, 1)} | {F(r.PercentOfGemmPeak, 0)} |");
            }
            var memory = report.Memory.Where(r => r.Model == model).ToList();
            if (memory.Count > 0)
            {
                md.AppendLine();
                md.AppendLine($"| engine | file MiB | load ms | peak RSS MiB (after one {memory[0].Shape}) | of which runtime baseline |");
                md.AppendLine("| --- | ---: | ---: | ---: | ---: |");
                foreach (var r in memory)
                    md.AppendLine($"| {r.Engine} | {F(r.FileBytes / 1048576.0, 1)} | {F(r.LoadMs, 0)} | {F(r.PeakRssMb, 0)} | {F(r.BaselineRssMb, 0)} |");
            }
            var agreement = report.Agreement.Where(r => r.Model == model).ToList();
            if (agreement.Count > 0)
            {
                md.AppendLine();
                md.AppendLine($"Logits vs ORT fp32 ({agreement[0].Cases}; largest |logit| {F(agreement[0].MaxAbsLogit, 3)}):");
                md.AppendLine();
                md.AppendLine("| engine | max abs diff | check |");
                md.AppendLine("| --- | ---: | --- |");
                foreach (var r in agreement)
                    md.AppendLine($"| {r.Engine} | {r.MaxAbsDiff.ToString("E2", CultureInfo.InvariantCulture)} | " +
                                  $"{(double.IsInfinity(r.Tolerance) ? "informative" : r.Passed ? $"<= {r.Tolerance:0e0} ok" : $"> {r.Tolerance:0e0} FAIL")} |");
            }
            var targets = Targets.Evaluate(report, model);
            if (targets.Count > 0)
            {
                md.AppendLine();
                md.AppendLine("| issue | target | measured | met |");
                md.AppendLine("| --- | --- | ---: | --- |");
                foreach (var t in targets) md.AppendLine($"| {t.Issue} | {t.Description} | {t.Measured} | {(t.Met ? "yes" : "**no**")} |");
            }
        }
        return md.ToString();
    }

    /// <summary>Replaces the generated section of docs/BENCHMARKS.md, keeping the hand-written text around it.</summary>
    public static void UpdateDocs(string docsPath, string markdown)
    {
        string text = File.ReadAllText(docsPath);
        int begin = text.IndexOf(DocsBegin, StringComparison.Ordinal), end = text.IndexOf(DocsEnd, StringComparison.Ordinal);
        if (begin < 0 || end < begin) throw new InvalidDataException($"{docsPath}: markers {DocsBegin} ... {DocsEnd} not found");
        string updated = text[..(begin + DocsBegin.Length)] + "\n" + markdown + text[end..];
        AtomicFile.Write(docsPath, s => s.Write(Encoding.UTF8.GetBytes(updated)));
    }

    static string F(double value, int decimals) =>
        double.IsFinite(value) ? value.ToString("F" + decimals, CultureInfo.InvariantCulture) : "-";
}
