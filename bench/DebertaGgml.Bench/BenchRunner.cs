using System.Diagnostics;
using System.Text.Json;
using DebertaGgml.Convert.Measurement;

namespace DebertaGgml.Bench;

/// <summary>The stages of a benchmark run; `all` runs them in this order.</summary>
[Flags]
public enum BenchStages { Gemm = 1, Agreement = 2, Latency = 4, Memory = 8, All = Gemm | Agreement | Latency | Memory }

/// <summary>Prepares the models and runs the selected stages, logging progress to <see cref="Log"/>.</summary>
public sealed class BenchRunner(BenchOptions options, TextWriter log)
{
    public TextWriter Log { get; } = log;
    public const double F32Tolerance = 1e-3;

    public BenchReport Run(BenchStages stages, string command)
    {
        var report = new BenchReport(DateTime.UtcNow, command, MachineProbe.Describe(), [], [], [], []);
        Log.WriteLine($"machine: {report.Machine.Cpu}, load average {report.Machine.LoadAverageAtStart}");
        if (stages.HasFlag(BenchStages.Gemm))
        {
            report.Gemm.AddRange(GemmPeak.Measure(options.Threads));
            foreach (var g in report.Gemm)
                Log.WriteLine($"gemm: {g.Gflops:F1} GFLOP/s ({g.Method}, {g.M}^3, fastest {g.Latency.MinMs:F1} ms, median {g.Latency.MedianMs:F1} ms)");
        }
        foreach (string name in options.Models)
        {
            var model = PreparedModel.Ensure(name, options.Types, options.Seed, Log);
            if (stages.HasFlag(BenchStages.Agreement)) report.Agreement.AddRange(Agreement(model));
            if (stages.HasFlag(BenchStages.Latency)) report.Latency.AddRange(Latency(model, report.GemmPeak));
            if (stages.HasFlag(BenchStages.Memory)) report.Memory.AddRange(Memory(model));
        }
        return report;
    }

    IEnumerable<EngineSpec> Engines() => options.Types.Select(EngineSpec.Ggml).Append(EngineSpec.Ort).Append(EngineSpec.OrtInt8);

    /// <summary>Every GGUF type and ORT int8 against ORT fp32 on full, short and padded batches; F32 must agree within 1e-3.</summary>
    List<AgreementResult> Agreement(PreparedModel model)
    {
        var cases = AgreementCases(options.Seed);
        using var ort = EngineSpec.Ort.Create(model, options.Threads, 8, 512);
        var reference = cases.Select(ort.Run).ToList();
        double maxLogit = reference.SelectMany(r => r).Max(v => Math.Abs((double)v));
        var results = new List<AgreementResult>();
        foreach (var spec in Engines().Where(e => e != EngineSpec.Ort))
        {
            using var engine = spec.Create(model, options.Threads, 8, 512);
            double diff = cases.Select((c, i) => MaxAbsDiff(engine.Run(c), reference[i])).Max();
            double tolerance = spec.Type == Gguf.GgmlType.F32 ? F32Tolerance : double.PositiveInfinity;
            results.Add(new AgreementResult(model.Name, spec.Name, AgreementCaseNames, diff, maxLogit, tolerance));
            Log.WriteLine($"[{model.Name}] agreement {spec.Name} vs ORT: max |dlogit| = {diff:E2} (|logit| <= {maxLogit:F3})");
        }
        return results;
    }

    const string AgreementCaseNames = "1x16, 2x37 (one row padded to 20), 1x128";

    /// <summary>The inputs every agreement is measured on: a short batch, a padded one and a full one.</summary>
    public static BenchInput[] AgreementCases(int seed) =>
    [
        BenchInput.Random(1, 16, PreparedModel.TokenizerVocab, seed),
        BenchInput.Random(2, 37, PreparedModel.TokenizerVocab, seed + 1, [37, 20]),
        BenchInput.Random(1, 128, PreparedModel.TokenizerVocab, seed + 2),
    ];

    /// <summary>
    /// Two GGUF files of one model on the agreement cases and <paramref name="extraRows"/> more 1x128 inputs:
    /// max and mean |Δlogit| of the candidate against the reference (to place a type's error, e.g. weights-only rounding).
    /// </summary>
    public static (double Max, double Mean, double MaxLogit) CompareFiles(string reference, string candidate, BenchOptions options, int extraRows)
    {
        var cases = AgreementCases(options.Seed)
            .Concat(Enumerable.Range(0, extraRows).Select(i => BenchInput.Random(1, 128, PreparedModel.TokenizerVocab, options.Seed + 3 + i)));
        using var a = new GgmlEngine(reference, "reference", options.Threads, 8, 512);
        using var b = new GgmlEngine(candidate, "candidate", options.Threads, 8, 512);
        double max = 0, sum = 0, maxLogit = 0;
        long count = 0;
        foreach (var input in cases)
        {
            float[] x = a.Run(input), y = b.Run(input);
            maxLogit = Math.Max(maxLogit, x.Max(v => Math.Abs((double)v)));
            max = Math.Max(max, MaxAbsDiff(x, y));
            sum += x.Zip(y, (p, q) => Math.Abs((double)p - q)).Sum();
            count += x.Length;
        }
        return (max, sum / count, maxLogit);
    }

    static double MaxAbsDiff(float[] a, float[] b)
    {
        if (a.Length != b.Length) throw new InvalidOperationException($"logit counts differ: {a.Length} vs {b.Length}");
        return a.Zip(b, (x, y) => Math.Abs((double)x - y)).Max();
    }

    /// <summary>All engines loaded in this process, alternated per round, one shape at a time.</summary>
    List<LatencyResult> Latency(PreparedModel model, GemmResult? gemm)
    {
        var specs = Engines().ToList();
        var engines = new List<IBenchEngine>();
        try
        {
            foreach (var spec in specs) engines.Add(spec.Create(model, options.Threads, 8, 512));
            var results = new List<LatencyResult>();
            foreach (string shape in options.Shapes)
            {
                var input = BenchInput.Parse(shape, PreparedModel.TokenizerVocab, options.Seed);
                var timings = LatencyHarness.Run(engines.Select(e => (Action)(() => e.Run(input))).ToList(), options.WarmUp,
                    roundSeconds => options.Iterations > 0 ? options.Iterations
                        : (int)Math.Clamp(options.SecondsPerShape / Math.Max(roundSeconds, 1e-3), 5, 50),
                    options.GapMs);
                var ort = timings[specs.IndexOf(EngineSpec.Ort)];
                var ortInt8 = timings[specs.IndexOf(EngineSpec.OrtInt8)];
                double flop = FlopCount.Forward(model.Manifest, input.Batch, input.Tokens);
                for (int e = 0; e < engines.Count; e++)
                {
                    var (wall, cpu) = (timings[e].Wall, timings[e].Cpu);
                    double gflops = flop / (wall.MedianMs * 1e6);
                    var result = new LatencyResult(model.Name, shape, specs[e].Name, wall, cpu,
                        input.Batch * input.Tokens / (wall.MedianMs / 1000), gflops,
                        gemm == null ? double.NaN : 100 * gflops / gemm.Gflops,
                        wall.MedianMs / ort.Wall.MedianMs, cpu.MedianMs / ort.Cpu.MedianMs, wall.MedianMs / ortInt8.Wall.MedianMs);
                    results.Add(result);
                    Log.WriteLine($"[{model.Name}] {shape} {specs[e].Name,-10} median {wall.MedianMs,8:F2} ms  p90 {wall.P90Ms,8:F2}  " +
                                  $"x{result.RatioToOrt:F2} ORT x{result.RatioToOrtInt8:F2} int8  cpu {cpu.MedianMs,8:F1} ms x{result.CpuRatioToOrt:F2}  {gflops,6:F1} GFLOP/s  (n={wall.Runs})");
                }
            }
            return results;
        }
        finally
        {
            foreach (var engine in engines) engine.Dispose();
        }
    }

    /// <summary>Each engine in its own child process (3 times, medians): load time and peak RSS after one 1x128 run.</summary>
    List<MemoryResult> Memory(PreparedModel model)
    {
        const string shape = "1x128";
        var results = new List<MemoryResult>();
        foreach (var spec in Engines())
        {
            var runs = Enumerable.Range(0, 3).Select(_ => RunChild(["child-memory", "--model", model.Name, "--engine", spec.Token,
                "--shape", shape, "--threads", options.Threads.ToString(), "--seed", options.Seed.ToString()])).ToList();
            var result = new MemoryResult(model.Name, spec.Name, spec.FileBytes(model),
                Median(runs.Select(r => r.LoadMs)), Median(runs.Select(r => r.PeakRssMb)), Median(runs.Select(r => r.BaselineRssMb)), shape);
            results.Add(result);
            Log.WriteLine($"[{model.Name}] memory {spec.Name,-10} file {result.FileBytes / 1048576.0,7:F1} MiB  load {result.LoadMs,7:F1} ms  " +
                          $"peak RSS {result.PeakRssMb,7:F1} MiB (runtime baseline {result.BaselineRssMb:F1})");
        }
        return results;
    }

    static double Median(IEnumerable<double> values) => LatencyStats.From(values.ToList()).MedianMs;

    /// <summary>Runs this program again with the given arguments and parses the JSON line it prints last.</summary>
    static ChildMemory RunChild(IReadOnlyList<string> args)
    {
        var psi = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        string self = typeof(BenchRunner).Assembly.Location;
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet") psi.ArgumentList.Add(self);
        foreach (string a in args) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"child '{string.Join(' ', args)}' failed with exit code {process.ExitCode}: {stderr.Result.Trim()}");
        string last = stdout.TrimEnd().Split('\n')[^1];
        return JsonSerializer.Deserialize<ChildMemory>(last) ?? throw new InvalidDataException($"child printed no result: {stdout}");
    }

    /// <summary>Body of `child-memory`: load one engine, run one input, report load time and VmHWM as one JSON line.</summary>
    public static ChildMemory MeasureInChild(string modelName, EngineSpec spec, string shape, BenchOptions options)
    {
        var model = PreparedModel.Ensure(modelName, spec.Type is { } t ? [t] : [], options.Seed, TextWriter.Null);
        var input = BenchInput.Parse(shape, PreparedModel.TokenizerVocab, options.Seed);
        double baseline = ProcessMemory.PeakRssMb();
        long start = Stopwatch.GetTimestamp();
        using var engine = spec.Create(model, options.Threads, input.Batch, input.Tokens);
        double loadMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        engine.Run(input);
        return new ChildMemory(loadMs, ProcessMemory.PeakRssMb(), baseline);
    }
}

public sealed record ChildMemory(double LoadMs, double PeakRssMb, double BaselineRssMb);
