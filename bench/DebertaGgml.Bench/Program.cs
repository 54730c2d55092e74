using System.Text.Json;
using DebertaGgml.Bench;

// dotnet run -c Release --project bench/DebertaGgml.Bench -- all [--models xsmall,base] [--types F32,F16,Q8_0,Q4_K]
//     [--shapes 1x16,1x128,1x512,8x128] [--threads 2] [--iterations N] [--update-docs]
// Stages alone: prepare | gemm | agree | latency | memory. Internal: child-memory (one engine per process, for RSS).
// compare REFERENCE.gguf CANDIDATE.gguf [--rows N] [--threads 2] [--seed S]: max and mean |Δlogit| between two files.
const string Usage = "usage: DebertaGgml.Bench all|prepare|gemm|agree|latency|memory|compare [options]  (see docs/BENCHMARKS.md)";
if (args.Length == 0) { Console.Error.WriteLine(Usage); return 2; }
try
{
    string command = args[0];
    if (command == "child-memory") return ChildMemoryMain(args[1..]);
    if (command == "compare") return CompareMain(args[1..]);
    var options = BenchOptions.Parse(args[1..]);
    if (command == "prepare")
    {
        foreach (string model in options.Models) PreparedModel.Ensure(model, options.Types, options.Seed, Console.Out);
        return 0;
    }
    var stages = command switch
    {
        "all" => BenchStages.All,
        "gemm" => BenchStages.Gemm,
        "agree" => BenchStages.Agreement,
        "latency" => BenchStages.Gemm | BenchStages.Latency,
        "memory" => BenchStages.Memory,
        _ => throw new ArgumentException($"unknown command '{command}'. {Usage}"),
    };
    if (stages == BenchStages.Gemm) options = options with { Models = [] };
    var report = new BenchRunner(options, Console.Out).Run(stages, "DebertaGgml.Bench " + string.Join(' ', args));
    Directory.CreateDirectory(BenchPaths.WorkFolder);
    string stem = Path.Combine(BenchPaths.WorkFolder, $"results-{report.StartedUtc:yyyyMMdd-HHmmss}");
    File.WriteAllText(stem + ".json", ReportWriter.Json(report));
    string markdown = ReportWriter.Markdown(report);
    File.WriteAllText(stem + ".md", markdown);
    Console.WriteLine();
    Console.WriteLine(markdown);
    Console.WriteLine($"results: {stem}.json, {stem}.md");
    if (options.UpdateDocs)
    {
        ReportWriter.UpdateDocs(BenchPaths.Docs, markdown);
        Console.WriteLine($"updated {BenchPaths.Docs}");
    }
    bool agreementFailed = report.Agreement.Any(a => !a.Passed);
    if (agreementFailed) Console.Error.WriteLine("bench: F32 logits disagree with ONNX Runtime beyond 1e-3");
    return agreementFailed ? 1 : 0;
}
catch (Exception e)
{
    Console.Error.WriteLine($"bench: error: {e.Message.ReplaceLineEndings(" ")}");
    return 1;
}

static int CompareMain(string[] args)
{
    if (args.Length < 2 || args[0].StartsWith('-') || args[1].StartsWith('-'))
        throw new ArgumentException("compare needs two GGUF files: compare REFERENCE.gguf CANDIDATE.gguf [--rows N] [--threads T] [--seed S]");
    var rest = args[2..].ToList();
    int rows = 0;
    int at = rest.IndexOf("--rows");
    if (at >= 0)
    {
        if (at + 1 >= rest.Count || !int.TryParse(rest[at + 1], out rows) || rows < 0)
            throw new ArgumentException("--rows needs a count of extra 1x128 inputs (0 or more)");
        rest.RemoveRange(at, 2);
    }
    var options = BenchOptions.Parse([.. rest]);
    var (max, mean, maxLogit) = BenchRunner.CompareFiles(args[0], args[1], options, rows);
    Console.WriteLine($"max |dlogit| {max:E3}, mean {mean:E3} over {3 + rows} inputs (|logit| <= {maxLogit:F3})");
    return 0;
}

static int ChildMemoryMain(string[] args)
{
    string Arg(string key) => args.SkipWhile(a => a != key).Skip(1).FirstOrDefault() ?? throw new ArgumentException($"child-memory needs {key}");
    var options = BenchOptions.Parse(["--threads", Arg("--threads"), "--seed", Arg("--seed")]);
    var result = BenchRunner.MeasureInChild(Arg("--model"), EngineSpec.Parse(Arg("--engine")), Arg("--shape"), options);
    Console.WriteLine(JsonSerializer.Serialize(result));
    return 0;
}
