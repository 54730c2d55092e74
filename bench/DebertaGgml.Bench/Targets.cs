using System.Globalization;

namespace DebertaGgml.Bench;

/// <summary>One target of an issue, checked against a report.</summary>
public sealed record TargetCheck(string Issue, string Description, string Measured, bool Met);

/// <summary>The issues' speed and memory targets, set at deberta-v3-base dimensions: checked for the base model only.</summary>
public static class Targets
{
    public const string Model = "base";

    public static List<TargetCheck> Evaluate(BenchReport report, string model)
    {
        var checks = new List<TargetCheck>();
        if (model != Model) return checks;
        LatencyResult? Latency(string shape, string engine) =>
            report.Latency.FirstOrDefault(r => r.Model == model && r.Shape == shape && r.Engine == engine);
        AgreementResult? Agreement(string engine) => report.Agreement.FirstOrDefault(r => r.Model == model && r.Engine == engine);
        MemoryResult? Memory(string engine) => report.Memory.FirstOrDefault(r => r.Model == model && r.Engine == engine);
        static string Times(double ratio) => $"{ratio.ToString("F2", CultureInfo.InvariantCulture)}x";
        static string Logit(double diff) => diff.ToString("0.0e0", CultureInfo.InvariantCulture);

        // Issue 7 (ggml's stock kernels; recorded as blocked there): ratios to ORT fp32.
        void AddRatio(string shape, string engine, double limit, string what)
        {
            if (Latency(shape, engine) is { } r) checks.Add(new("7", what, Times(r.RatioToOrt), r.RatioToOrt <= limit));
        }
        AddRatio("1x128", "ggml F32", 1.0, "1x128 F32 latency <= 1.0x ORT fp32");
        AddRatio("1x128", "ggml Q8_0", 0.6, "1x128 Q8_0 latency <= 0.6x ORT fp32");
        AddRatio("1x128", "ggml Q4_K", 0.6, "1x128 Q4_K latency <= 0.6x ORT fp32");
        if (Latency("8x128", "ggml Q8_0") is { } batch)
            checks.Add(new("7", "8x128 Q8_0 throughput >= 1.5x ORT fp32", Times(1 / batch.RatioToOrt), 1 / batch.RatioToOrt >= 1.5));
        AddRatio("1x512", "ggml F32", 1.2, "1x512 F32 latency <= 1.2x ORT fp32");
        AddRatio("1x512", "ggml Q8_0", 1.2, "1x512 Q8_0 latency <= 1.2x ORT fp32");
        if (Memory("ggml Q8_0") is { } q8 && Memory("ORT fp32") is { } ort)
            checks.Add(new("7", "peak RSS Q8_0 <= 0.5x ORT fp32", Times(q8.PeakRssMb / ort.PeakRssMb), q8.PeakRssMb <= 0.5 * ort.PeakRssMb));
        if (Memory("ggml Q8_0") is { } q8Load)
            checks.Add(new("7", "Q8_0 load time < 500 ms", $"{q8Load.LoadMs.ToString("F0", CultureInfo.InvariantCulture)} ms", q8Load.LoadMs < 500));

        // Issue 11: BF16 at least 1.5x faster than F32 in the same run.
        if (Latency("1x128", "ggml F32") is { } f32 && Latency("1x128", "ggml BF16") is { } bf16)
        {
            double speedup = f32.Stats.MedianMs / bf16.Stats.MedianMs;
            checks.Add(new("11", "1x128 BF16 >= 1.5x faster than F32", Times(speedup), speedup >= 1.5));
        }

        // Issue 13: our kernels against ORT's dynamic int8 model and ORT fp32 (Δlogit: against ORT fp32, which F32 matches
        // within 1e-5; no pipe characters, the rows become a markdown table).
        var ortInt8Agreement = Agreement("ORT int8");
        if (Latency("1x128", "ggml Q8_0") is { RatioToOrtInt8: > 0 } q8Int8)
        {
            var q8Agreement = Agreement("ggml Q8_0");
            bool closer = q8Agreement != null && ortInt8Agreement != null && q8Agreement.MaxAbsDiff < ortInt8Agreement.MaxAbsDiff;
            string logits = q8Agreement != null && ortInt8Agreement != null ? $", max Δlogit {Logit(q8Agreement.MaxAbsDiff)} vs {Logit(ortInt8Agreement.MaxAbsDiff)}" : "";
            checks.Add(new("13", "1x128 Q8_0 <= 1.0x ORT int8, smaller max Δlogit than ORT int8", Times(q8Int8.RatioToOrtInt8) + logits,
                q8Int8.RatioToOrtInt8 <= 1.0 && closer));
        }
        if (Latency("1x128", "ggml BF16") is { } bf16Ort)
        {
            var bf16Agreement = Agreement("ggml BF16");
            string logits = bf16Agreement != null ? $", max Δlogit {Logit(bf16Agreement.MaxAbsDiff)}" : "";
            checks.Add(new("13", "1x128 BF16 <= 0.8x ORT fp32, max Δlogit <= 1e-2", Times(bf16Ort.RatioToOrt) + logits,
                bf16Ort.RatioToOrt <= 0.8 && bf16Agreement is { MaxAbsDiff: <= 1e-2 }));
        }
        if (Latency("8x128", "ggml Q8_0") is { RatioToOrtInt8: > 0 } batchInt8)
            checks.Add(new("13", "8x128 Q8_0 throughput >= 1.0x ORT int8", Times(1 / batchInt8.RatioToOrtInt8), batchInt8.RatioToOrtInt8 <= 1.0));
        if (Latency("1x512", "ggml Q8_0") is { RatioToOrtInt8: > 0 } longInt8)
            checks.Add(new("13", "1x512 Q8_0 <= 1.0x ORT int8", Times(longInt8.RatioToOrtInt8), longInt8.RatioToOrtInt8 <= 1.0));
        return checks;
    }
}
