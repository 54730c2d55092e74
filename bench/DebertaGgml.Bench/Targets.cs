using System.Globalization;

namespace DebertaGgml.Bench;

/// <summary>One target of issue 7, checked against a report.</summary>
public sealed record TargetCheck(string Description, string Measured, bool Met);

/// <summary>The issue's targets (deberta-v3-base dimensions); checked for any model the report covers.</summary>
public static class Targets
{
    public static List<TargetCheck> Evaluate(BenchReport report, string model)
    {
        var checks = new List<TargetCheck>();
        double? Ratio(string shape, string engine) =>
            report.Latency.FirstOrDefault(r => r.Model == model && r.Shape == shape && r.Engine == engine)?.RatioToOrt;
        MemoryResult? Memory(string engine) => report.Memory.FirstOrDefault(r => r.Model == model && r.Engine == engine);

        void AddRatio(string shape, string engine, double limit, string what)
        {
            if (Ratio(shape, engine) is double ratio)
                checks.Add(new(what, $"{ratio.ToString("F2", CultureInfo.InvariantCulture)}x", ratio <= limit));
        }
        AddRatio("1x128", "ggml F32", 1.0, "1x128 F32 latency <= 1.0x ORT");
        AddRatio("1x128", "ggml Q8_0", 0.6, "1x128 Q8_0 latency <= 0.6x ORT");
        AddRatio("1x128", "ggml Q4_K", 0.6, "1x128 Q4_K latency <= 0.6x ORT");
        if (Ratio("8x128", "ggml Q8_0") is double batchRatio)
            checks.Add(new("8x128 Q8_0 throughput >= 1.5x ORT", $"{(1 / batchRatio).ToString("F2", CultureInfo.InvariantCulture)}x", 1 / batchRatio >= 1.5));
        AddRatio("1x512", "ggml F32", 1.2, "1x512 F32 latency <= 1.2x ORT");
        AddRatio("1x512", "ggml Q8_0", 1.2, "1x512 Q8_0 latency <= 1.2x ORT");
        if (Memory("ggml Q8_0") is { } q8 && Memory("ORT fp32") is { } ort)
            checks.Add(new("peak RSS Q8_0 <= 0.5x ORT", $"{(q8.PeakRssMb / ort.PeakRssMb).ToString("F2", CultureInfo.InvariantCulture)}x", q8.PeakRssMb <= 0.5 * ort.PeakRssMb));
        if (Memory("ggml Q8_0") is { } q8Load)
            checks.Add(new("Q8_0 load time < 500 ms", $"{q8Load.LoadMs.ToString("F0", CultureInfo.InvariantCulture)} ms", q8Load.LoadMs < 500));
        return checks;
    }
}
