using System.CommandLine;

namespace DebertaGgml.Cli.Commands;

/// <summary>`deberta classify "text"...`: labels and scores (default model: the bundled language identifier).</summary>
internal static class ClassifyCommand
{
    public static Command Create()
    {
        var texts = new Argument<string[]>("text") { Description = "Texts to classify (none: stdin, one text per line or JSON lines {\"text\", \"pair\"})", Arity = ArgumentArity.ZeroOrMore };
        var pair = new Option<string?>("--pair") { Description = "Second text of a sentence pair, for every text" };
        var topK = new Option<int>("--top-k", "-k") { Description = "Labels per text, best first (0: all)", DefaultValueFactory = _ => 1 };
        var function = new Option<ScoreFunction>("--function") { Description = "auto, softmax, sigmoid or none", DefaultValueFactory = _ => ScoreFunction.Auto };
        var cli = new PipelineCli("classify", ModelHead.SequenceClassification, texts, defaultsToDemo: true);
        var command = new Command("classify", "Classify texts (or sentence pairs) with a sequence-classification model") { texts, pair, topK, function };
        cli.AddTo(command);
        command.SetAction(parse => CliRunner.Run("classify", () =>
        {
            if (parse.GetValue(topK) < 0) throw new UsageException("--top-k must be 0 (all labels) or positive");
            using var model = cli.LoadModel(parse);
            var options = new ClassifyOptions
            {
                TopK = parse.GetValue(topK) is 0 ? null : parse.GetValue(topK),
                Function = parse.GetValue(function),
                Overflow = cli.Overflow(parse),
            };
            bool json = parse.GetValue(cli.Json);
            return cli.Run(parse, model,
                input => new TextInput(PipelineCli.Field(input.Value, "text"), PipelineCli.OptionalField(input.Value, "pair") ?? parse.GetValue(pair)),
                (chunk, cancel) => model.Classify(chunk, options, cancel),
                (input, result) =>
                {
                    if (json)
                    {
                        CliJson.WriteLine(new ClassifyLine(input.Text, input.Pair, result.Scores, result.Truncated), CliJson.Lines.ClassifyLine);
                        return;
                    }
                    cli.WarnIfTruncated(result.Truncated, input.Text);
                    if (result.Scores.Count == 1) Console.WriteLine($"{result.Top.Label}\t{result.Top.Score:F4}\t{PipelineCli.Shorten(input.Text)}");
                    else
                    {
                        Console.WriteLine(PipelineCli.Shorten(input.Text));
                        foreach (var s in result.Scores) Console.WriteLine($"  {s.Label}\t{s.Score:F4}");
                    }
                });
        }));
        return command;
    }
}
