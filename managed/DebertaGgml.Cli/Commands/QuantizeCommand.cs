using System.CommandLine;
using DebertaGgml.Convert;

namespace DebertaGgml.Cli.Commands;

/// <summary>`deberta quantize in.gguf out.gguf TYPE` (or `-m in.gguf out.gguf TYPE`): requantizes an F32/F16/BF16 GGUF.</summary>
internal static class QuantizeCommand
{
    public static Command Create()
    {
        // One argument list: with -m the input is not positional, and the parser cannot tell an optional first
        // argument from the two that follow it.
        var files = new Argument<string[]>("[input] output type")
        {
            Description = $"The F32, F16 or BF16 GGUF file (unless -m gives it), the GGUF file to write, and the type of the weight matrices ({TypeOptions.Names})",
            Arity = new ArgumentArity(2, 3),
        };
        var model = new Option<string?>("--model", "-m") { Description = "F32, F16 or BF16 GGUF file (instead of the first argument)" };
        var embeddingType = TypeOptions.EmbeddingType();
        var headType = TypeOptions.HeadType();
        var command = new Command("quantize", "Requantize an F32/F16/BF16 GGUF to another type") { files, model, embeddingType, headType };
        command.SetAction(parse => CliRunner.Run("quantize", () =>
        {
            string[] given = parse.GetValue(files)!;
            string? positional = given.Length == 3 ? given[0] : null;
            if (positional == null && parse.GetValue(model) == null)
                throw new UsageException("expected input.gguf output.gguf TYPE (or -m input.gguf output.gguf TYPE)");
            string input = ModelPaths.Resolve(positional, parse.GetValue(model));
            var options = new ConvertOptions
            {
                Type = TypeOptions.Parse(given[^1])!.Value,
                EmbeddingType = TypeOptions.Parse(parse.GetValue(embeddingType)),
                HeadType = TypeOptions.Parse(parse.GetValue(headType)),
                Progress = new ProgressBar(),
            };
            ConversionSummary.Print(GgufRequantizer.Requantize(input, given[^2], options));
            return 0;
        }));
        return command;
    }
}
