using System.CommandLine;
using System.Diagnostics;

namespace DebertaGgml.Cli.Commands;

/// <summary>`deberta bench -m model.gguf`: evaluation latency and throughput for a batch shape.</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var batch = new Option<int>("--batch", "-b") { Description = "Sequences per evaluation", DefaultValueFactory = _ => 8 };
        var tokens = new Option<int>("--tokens", "-n") { Description = "Tokens per sequence", DefaultValueFactory = _ => 128 };
        var iterations = new Option<int>("--iterations", "-i") { Description = "Timed evaluations", DefaultValueFactory = _ => 10 };
        var warmup = new Option<int>("--warmup") { Description = "Untimed evaluations first", DefaultValueFactory = _ => 2 };
        var cli = new PipelineCli();
        var command = new Command("bench", "Time evaluations of one batch shape") { batch, tokens, iterations, warmup };
        cli.AddTo(command);
        command.SetAction(parse => CliRunner.Run(() =>
        {
            int b = parse.GetValue(batch), n = parse.GetValue(tokens), runs = parse.GetValue(iterations);
            if (b < 1 || n < 3 || runs < 1) throw new ArgumentException("--batch and --iterations must be at least 1, --tokens at least 3");
            using var model = cli.LoadModel(parse);
            var input = Input(model, b, n);
            var kinds = model.Info.Head == ModelHead.None ? ModelOutputKinds.LastHiddenState : ModelOutputKinds.Logits;
            for (int i = 0; i < parse.GetValue(warmup); i++) model.Evaluate(input, kinds);
            var times = new double[runs];
            for (int i = 0; i < runs; i++)
            {
                var clock = Stopwatch.StartNew();
                model.Evaluate(input, kinds);
                times[i] = clock.Elapsed.TotalMilliseconds;
            }
            Array.Sort(times);
            double mean = times.Average();
            var report = new
            {
                model = model.Info.Name, head = model.Info.Head, batch = b, tokens = n, iterations = runs,
                meanMs = mean, medianMs = times[runs / 2], minMs = times[0],
                sequencesPerSecond = b * 1000 / mean, tokensPerSecond = b * n * 1000 / mean,
            };
            if (parse.GetValue(cli.Json)) PipelineCli.WriteJson(report);
            else
            {
                Console.WriteLine($"{report.model} ({report.head}), batch {b} x {n} tokens, {runs} runs");
                Console.WriteLine($"  mean {mean:F2} ms, median {report.medianMs:F2} ms, min {report.minMs:F2} ms");
                Console.WriteLine($"  {report.sequencesPerSecond:F1} sequences/s, {report.tokensPerSecond:F0} tokens/s");
            }
            return 0;
        }));
        return command;
    }

    /// <summary>[CLS] ordinary-vocabulary ids [SEP] (deterministic), so timing does not depend on a text.</summary>
    static ModelInput Input(DebertaModel model, int batch, int tokens)
    {
        var settings = model.Info.Tokenizer;
        int choices = model.Info.Head == ModelHead.MultipleChoice ? 2 : 1;
        var ids = new int[batch * choices * tokens];
        var random = new Random(1234);
        for (int row = 0; row < batch * choices; row++)
        {
            for (int t = 0; t < tokens; t++) ids[row * tokens + t] = random.Next(Math.Min(settings.VocabularySize, 1000) / 2, Math.Min(settings.VocabularySize, 1000));
            ids[row * tokens] = settings.ClsId;
            ids[row * tokens + tokens - 1] = settings.SepId;
        }
        return new ModelInput(ids, Enumerable.Repeat(1, ids.Length).ToArray(), null, batch, tokens, choices);
    }
}
