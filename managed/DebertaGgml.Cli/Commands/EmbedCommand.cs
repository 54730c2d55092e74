using System.CommandLine;
using System.Globalization;

namespace DebertaGgml.Cli.Commands;

/// <summary>`deberta embed -m model.gguf "text"...`: one vector per text.</summary>
internal static class EmbedCommand
{
    public static Command Create()
    {
        var texts = new Argument<string[]>("text") { Description = "Texts (none: stdin, one text per line or JSON lines)", Arity = ArgumentArity.ZeroOrMore };
        var pooling = new Option<Pooling>("--pooling") { Description = "mean or cls", DefaultValueFactory = _ => Pooling.Mean };
        var raw = new Option<bool>("--no-normalize") { Description = "Keep the pooled vector's length (default: unit length)" };
        var cli = new PipelineCli("embed", null, texts);
        var command = new Command("embed", "Sentence embeddings from the last hidden state (any model)") { texts, pooling, raw };
        cli.AddTo(command);
        command.SetAction(parse => CliRunner.Run("embed", () =>
        {
            using var model = cli.LoadModel(parse);
            var options = new EmbedOptions { Pooling = parse.GetValue(pooling), Normalize = !parse.GetValue(raw), Overflow = cli.Overflow(parse) };
            bool json = parse.GetValue(cli.Json);
            return cli.Run(parse, model, input => PipelineCli.Field(input.Value, "text"),
                (chunk, cancel) => model.Embed(chunk, options, cancel),
                (text, result) =>
                {
                    if (json)
                    {
                        CliJson.WriteLine(new EmbeddingLine(text, result.Vector, result.Truncated), CliJson.Lines.EmbeddingLine);
                        return;
                    }
                    cli.WarnIfTruncated(result.Truncated, text);
                    Console.WriteLine(string.Join(' ', result.Vector.Select(x => x.ToString("G6", CultureInfo.InvariantCulture))));
                });
        }));
        return command;
    }
}
