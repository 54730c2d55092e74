using System.CommandLine;

namespace DebertaGgml.Cli.Commands;

/// <summary>`deberta ner -m ner.gguf [--stride N] "text"...`: named entities with their character spans.</summary>
internal static class NerCommand
{
    public static Command Create()
    {
        var texts = new Argument<string[]>("text") { Description = "Texts (none: JSON lines on stdin)", Arity = ArgumentArity.ZeroOrMore };
        var aggregation = new Option<AggregationStrategy>("--aggregation", "-a")
        {
            Description = "none (per token), simple, first, average or max",
            DefaultValueFactory = _ => AggregationStrategy.Simple,
        };
        var stride = new Option<int?>("--stride")
        {
            Description = "Tokens shared by overlapping windows over text longer than the model's window, instead of truncating it (needs an aggregation other than none)",
        };
        var cli = new PipelineCli();
        var command = new Command("ner", "Named-entity recognition with a token-classification model") { texts, aggregation, stride };
        cli.AddTo(command);
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var inputs = PipelineCli.ReadInputs(parse.GetValue(texts)).Select(i => PipelineCli.Field(i, "text")).ToArray();
            using var model = cli.LoadModel(parse);
            var options = new EntityOptions { Aggregation = parse.GetValue(aggregation), Overflow = cli.Overflow(parse), Stride = parse.GetValue(stride) };
            bool json = parse.GetValue(cli.Json);
            PipelineCli.RunInChunks(inputs, chunk => model.ExtractEntities(chunk, options), (text, result) =>
            {
                if (json)
                {
                    PipelineCli.WriteJson(new { text, result.Entities, result.Truncated });
                    return;
                }
                PipelineCli.WarnIfTruncated(result.Truncated, text);
                Console.WriteLine(PipelineCli.Shorten(text));
                if (result.Entities.Count == 0) Console.WriteLine("  (no entities)");
                foreach (var e in result.Entities) Console.WriteLine($"  {e.Label}\t{e.Score:F4}\t{e.Start}-{e.End}\t{e.Word}");
            });
            return 0;
        }));
        return command;
    }
}
