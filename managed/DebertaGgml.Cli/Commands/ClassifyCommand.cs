using System.CommandLine;

namespace DebertaGgml.Cli.Commands;

/// <summary>`deberta classify "text"...`: labels and scores (default model: the bundled language identifier).</summary>
internal static class ClassifyCommand
{
    public static Command Create()
    {
        var texts = new Argument<string[]>("text") { Description = "Texts to classify (none: JSON lines on stdin, {\"text\", \"pair\"} or strings)", Arity = ArgumentArity.ZeroOrMore };
        var pair = new Option<string?>("--pair") { Description = "Second text of a sentence pair, for every text" };
        var topK = new Option<int>("--top-k", "-k") { Description = "Labels per text, best first (0: all)", DefaultValueFactory = _ => 1 };
        var function = new Option<ScoreFunction>("--function") { Description = "auto, softmax, sigmoid or none", DefaultValueFactory = _ => ScoreFunction.Auto };
        var cli = new PipelineCli(defaultsToDemo: true);
        var command = new Command("classify", "Classify texts (or sentence pairs) with a sequence-classification model") { texts, pair, topK, function };
        cli.AddTo(command);
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var inputs = PipelineCli.ReadInputs(parse.GetValue(texts))
                .Select(i => (Text: PipelineCli.Field(i, "text"), Pair: PipelineCli.OptionalField(i, "pair") ?? parse.GetValue(pair))).ToArray();
            using var model = cli.LoadModel(parse);
            var options = new ClassifyOptions
            {
                TopK = parse.GetValue(topK) is 0 ? null : parse.GetValue(topK),
                Function = parse.GetValue(function),
                Overflow = cli.Overflow(parse),
            };
            bool json = parse.GetValue(cli.Json);
            PipelineCli.RunInChunks(inputs, chunk => chunk.Select(i => i.Pair == null
                    ? model.Classify(i.Text, options)
                    : model.Classify(i.Text, i.Pair, options)).ToArray(),
                (input, result) =>
                {
                    if (json)
                    {
                        PipelineCli.WriteJson(new { text = input.Text, pair = input.Pair, result.Scores, result.Truncated });
                        return;
                    }
                    PipelineCli.WarnIfTruncated(result.Truncated, input.Text);
                    if (result.Scores.Count == 1) Console.WriteLine($"{result.Top.Label}\t{result.Top.Score:F4}\t{PipelineCli.Shorten(input.Text)}");
                    else
                    {
                        Console.WriteLine(PipelineCli.Shorten(input.Text));
                        foreach (var s in result.Scores) Console.WriteLine($"  {s.Label}\t{s.Score:F4}");
                    }
                });
            return 0;
        }));
        return command;
    }
}
