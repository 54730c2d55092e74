using DebertaGgml.Convert.Measurement;

namespace DebertaGgml.Bench;

/// <summary>The machine the figures come from.</summary>
public sealed record MachineInfo(string Cpu, int LogicalCpus, string Os, string Runtime, string OrtVersion,
                                 string GgmlVersion, string GgmlCpuVariant, string LoadAverageAtStart);

/// <summary>Largest |logit difference| of an engine against ORT fp32 over the agreement cases.</summary>
public sealed record AgreementResult(string Model, string Engine, string Cases, double MaxAbsDiff, double MaxAbsLogit, double Tolerance)
{
    public bool Passed => MaxAbsDiff <= Tolerance;
}

/// <summary>Ratios are this engine / ORT fp32 (or ORT int8) of the medians (wall time; CPU time of the process per run).</summary>
public sealed record LatencyResult(string Model, string Shape, string Engine, LatencyStats Stats, LatencyStats Cpu, double TokensPerSecond,
                                   double Gflops, double PercentOfGemmPeak, double RatioToOrt, double CpuRatioToOrt, double RatioToOrtInt8);

/// <summary>Measured in a fresh child process per engine: what a user's process would see.</summary>
public sealed record MemoryResult(string Model, string Engine, long FileBytes, double LoadMs, double PeakRssMb, double BaselineRssMb, string Shape);

public sealed record BenchReport(DateTime StartedUtc, string Command, MachineInfo Machine, List<GemmResult> Gemm,
                                 List<AgreementResult> Agreement, List<LatencyResult> Latency, List<MemoryResult> Memory)
{
    /// <summary>The faster GEMM microbenchmark: the practical F32 peak of this machine, null when not measured.</summary>
    public GemmResult? GemmPeak => Gemm.MaxBy(g => g.Gflops);
}
