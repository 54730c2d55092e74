using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using DebertaGgml.Convert.Measurement;

namespace DebertaGgml.Cli.Commands;

/// <summary>
/// `deberta bench model.gguf [--batch N --seq T --iterations K --threads N --gap-ms G]`: measures our engine on the user's own
/// model and shape: load time, latency (median, p90 of timed evaluations after warm-up), throughput, peak memory.
/// The side-by-side comparison with ONNX Runtime is bench/DebertaGgml.Bench (docs/BENCHMARKS.md).
/// </summary>
internal static class BenchCommand
{
    public sealed record Result(string Model, string Head, string Device, string DeviceReason, int Batch, int Tokens, int Threads, int ThreadsUsed, int GapMs, long FileBytes,
                                double LoadMs, int Iterations, double MedianMs, double P90Ms, double MinMs, double MeanMs,
                                double SequencesPerSecond, double TokensPerSecond, double PeakRssMb, long OwnKernelWeights);

    public static Command Create()
    {
        var path = new Argument<string?>("model") { Description = "GGUF model file (or give it with -m)", Arity = ArgumentArity.ZeroOrOne };
        var modelOption = new Option<string?>("--model", "-m") { Description = "GGUF model file (instead of the argument)" };
        var batch = new Option<int>("--batch", "-b") { Description = "Sequences per evaluation", DefaultValueFactory = _ => 1 };
        var tokens = new Option<int>("--seq", "--tokens", "-n") { Description = "Tokens per sequence", DefaultValueFactory = _ => 128 };
        var iterations = new Option<int>("--iterations", "-i") { Description = "Timed evaluations", DefaultValueFactory = _ => 20 };
        var warmup = new Option<int>("--warmup") { Description = "Untimed evaluations first", DefaultValueFactory = _ => 3 };
        var threads = new Option<int>("--threads", "-t") { Description = "Most CPU threads an evaluation uses; small ones use fewer (0: physical cores)", DefaultValueFactory = _ => 0 };
        var gap = new Option<int>("--gap-ms")
        {
            Description = "Idle milliseconds before each timed evaluation, to measure requests that arrive one at a time (0: back to back)",
        };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of text" };
        var device = DeviceOption.Create();
        var command = new Command("bench", "Measure load time, latency, throughput and peak memory of a model on this machine")
            { path, modelOption, batch, tokens, iterations, warmup, threads, gap, json, device };
        command.SetAction(parse => CliRunner.Run("bench", () =>
        {
            string model = ModelPaths.Resolve(parse.GetValue(path), parse.GetValue(modelOption));
            var result = Measure(model, parse.GetValue(batch), parse.GetValue(tokens), parse.GetValue(iterations),
                                 parse.GetValue(warmup), parse.GetValue(threads), parse.GetValue(gap), parse.GetValue(device));
            if (parse.GetValue(json)) CliJson.WriteLine(result, CliJson.Lines.Result); // one line, like every command's --json
            else Console.WriteLine(Describe(result));
            return 0;
        }));
        return command;
    }

    public static Result Measure(string path, int batch, int tokens, int iterations, int warmup, int threads, int gapMs,
                                 DebertaDevice device = DebertaDevice.Cpu)
    {
        if (batch < 1) throw new UsageException($"--batch {batch}: must be at least 1");
        if (tokens < 3) throw new UsageException($"--seq {tokens}: must be at least 3 ([CLS] x [SEP])");
        if (iterations < 1) throw new UsageException($"--iterations {iterations}: must be at least 1");
        if (warmup < 0) throw new UsageException($"--warmup {warmup}: must not be negative");
        if (threads < 0) throw new UsageException($"--threads {threads}: must be 0 (physical cores) or positive");
        if (gapMs < 0) throw new UsageException($"--gap-ms {gapMs}: must not be negative");
        if (!File.Exists(path)) throw new FileNotFoundException($"model file '{path}' does not exist", path);

        long start = Stopwatch.GetTimestamp();
        using var model = DebertaModel.Load(path, new DebertaModelOptions { Threads = threads, Device = device, MaxBatch = batch, MaxSequenceLength = tokens, MaxConcurrency = 1 });
        double loadMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        if (tokens > model.MaxSequenceLength)
            throw new ArgumentException($"--seq {tokens}: the model accepts at most {model.MaxSequenceLength} tokens");

        var input = Input(model, batch, tokens);
        var outputs = model.Info.Head == ModelHead.None ? ModelOutputKinds.LastHiddenState : ModelOutputKinds.Logits;
        var wall = LatencyHarness.Run([() => model.Evaluate(input, outputs)], warmup, _ => iterations, gapMs)[0].Wall;
        return new Result(Path.GetFullPath(path), model.Info.Head.ToString(), model.Info.Device, model.Info.DeviceReason, batch, tokens, threads, model.ThreadsFor(batch, tokens), gapMs,
            new FileInfo(path).Length, loadMs, iterations, wall.MedianMs, wall.P90Ms, wall.MinMs, wall.MeanMs,
            batch * 1000 / wall.MedianMs, batch * tokens * 1000 / wall.MedianMs, ProcessMemory.PeakRssMb(), model.Info.OwnKernelWeights);
    }

    /// <summary>
    /// Seeded ids of the model's ordinary vocabulary, [CLS] first and [SEP] last, no padding, so every run does the
    /// same work (one choice per example for a multiple-choice head: --batch counts sequences).
    /// </summary>
    static ModelInput Input(DebertaModel model, int batch, int tokens)
    {
        var settings = model.Info.Tokenizer;
        int low = Math.Min(5, settings.VocabularySize - 1);
        var ids = new int[batch * tokens];
        var random = new Random(1234);
        for (int row = 0; row < batch; row++)
        {
            var span = ids.AsSpan(row * tokens, tokens);
            for (int t = 0; t < tokens; t++) span[t] = random.Next(low, settings.VocabularySize);
            span[0] = settings.ClsId;
            span[^1] = settings.SepId;
        }
        return new ModelInput(ids, Enumerable.Repeat(1, ids.Length).ToArray(), null, batch, tokens);
    }

    static string Describe(Result r)
    {
        var c = CultureInfo.InvariantCulture;
        string F(double v, int d) => v.ToString("F" + d, c);
        return string.Join(Environment.NewLine,
            $"{r.Model} ({r.Head}, {F(r.FileBytes / 1048576.0, 1)} MiB) on {r.Device} ({r.DeviceReason})",
            $"  shape {r.Batch} x {r.Tokens} tokens, {r.ThreadsUsed} thread(s) of at most {(r.Threads == 0 ? "the physical cores" : r.Threads.ToString(c))}",
            $"  load {F(r.LoadMs, 1)} ms",
            $"  weight products: {(r.OwnKernelWeights > 0 ? $"{r.OwnKernelWeights} weights on our own kernels" : "ggml's mul_mat")}",
            $"  latency median {F(r.MedianMs, 2)} ms, p90 {F(r.P90Ms, 2)} ms, min {F(r.MinMs, 2)} ms ({r.Iterations} runs{(r.GapMs > 0 ? $", each after {r.GapMs} ms idle" : "")})",
            $"  {F(r.SequencesPerSecond, 1)} sequences/s, {F(r.TokensPerSecond, 0)} tokens/s",
            $"  peak RSS {F(r.PeakRssMb, 1)} MiB");
    }
}
