using System.CommandLine;

namespace DebertaGgml.Cli.Commands;

/// <summary>`deberta ner -m ner.gguf [--stride N] "text"...`: named entities with their character spans.</summary>
internal static class NerCommand
{
    public static Command Create()
    {
        var texts = new Argument<string[]>("text") { Description = "Texts (none: stdin, one text per line or JSON lines)", Arity = ArgumentArity.ZeroOrMore };
        var aggregation = new Option<AggregationStrategy>("--aggregation", "-a")
        {
            Description = "none (per token), simple, first, average or max",
            DefaultValueFactory = _ => AggregationStrategy.Simple,
        };
        var stride = new Option<int?>("--stride")
        {
            Description = "Tokens shared by overlapping windows over text longer than the model's window, instead of truncating it (needs an aggregation other than none)",
        };
        var cli = new PipelineCli("ner", ModelHead.TokenClassification, texts);
        var command = new Command("ner", "Named-entity recognition with a token-classification model") { texts, aggregation, stride };
        cli.AddTo(command);
        command.SetAction(parse => CliRunner.Run("ner", () =>
        {
            if (parse.GetValue(stride) is int s && parse.GetValue(aggregation) == AggregationStrategy.None)
                throw new UsageException($"--stride {s} needs an --aggregation other than none (the entities of overlapping windows are merged)");
            using var model = cli.LoadModel(parse);
            var options = new EntityOptions { Aggregation = parse.GetValue(aggregation), Overflow = cli.Overflow(parse), Stride = parse.GetValue(stride) };
            bool json = parse.GetValue(cli.Json);
            return cli.Run(parse, model, input => PipelineCli.Field(input.Value, "text"),
                (chunk, cancel) => model.ExtractEntities(chunk, options, cancel),
                (text, result) =>
                {
                    if (json)
                    {
                        CliJson.WriteLine(new EntityLine(text, result.Entities.Select(EntityJson.Of).ToArray(), result.Truncated), CliJson.Lines.EntityLine);
                        return;
                    }
                    cli.WarnIfTruncated(result.Truncated, text);
                    Console.WriteLine(PipelineCli.Shorten(text));
                    if (result.Entities.Count == 0) Console.WriteLine("  (no entities)");
                    foreach (var e in result.Entities) Console.WriteLine($"  {e.Label}\t{e.Score:F4}\t{e.Start}-{e.End}\t{e.Word}");
                });
        }));
        return command;
    }
}
