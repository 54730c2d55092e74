using System.CommandLine;
using System.Globalization;

namespace DebertaGgml.Cli.Commands;

/// <summary>`deberta embed -m model.gguf "text"...`: one vector per text.</summary>
internal static class EmbedCommand
{
    public static Command Create()
    {
        var texts = new Argument<string[]>("text") { Description = "Texts (none: JSON lines on stdin)", Arity = ArgumentArity.ZeroOrMore };
        var pooling = new Option<Pooling>("--pooling") { Description = "mean or cls", DefaultValueFactory = _ => Pooling.Mean };
        var raw = new Option<bool>("--no-normalize") { Description = "Keep the pooled vector's length (default: unit length)" };
        var cli = new PipelineCli();
        var command = new Command("embed", "Sentence embeddings from the last hidden state (any model)") { texts, pooling, raw };
        cli.AddTo(command);
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var inputs = PipelineCli.ReadInputs(parse.GetValue(texts)).Select(i => PipelineCli.Field(i, "text")).ToArray();
            using var model = cli.LoadModel(parse);
            var options = new EmbedOptions { Pooling = parse.GetValue(pooling), Normalize = !parse.GetValue(raw), Overflow = cli.Overflow(parse) };
            bool json = parse.GetValue(cli.Json);
            PipelineCli.RunInChunks(inputs, chunk => model.Embed(chunk, options), (text, vector) =>
            {
                if (json) PipelineCli.WriteJson(new { text, embedding = vector });
                else Console.WriteLine(string.Join(' ', vector.Select(x => x.ToString("G6", CultureInfo.InvariantCulture))));
            });
            return 0;
        }));
        return command;
    }
}
