using System.CommandLine;
using DebertaGgml.Convert;

namespace DebertaGgml.Cli.Commands;

/// <summary>`deberta quantize in.gguf out.gguf TYPE`: requantizes an F32/F16/BF16 GGUF.</summary>
internal static class QuantizeCommand
{
    public static Command Create()
    {
        var input = new Argument<string>("input") { Description = "F32, F16 or BF16 GGUF file" };
        var output = new Argument<string>("output") { Description = "GGUF file to write" };
        var type = new Argument<string>("type") { Description = $"Type of the weight matrices ({TypeOptions.Names})" };
        var embeddingType = TypeOptions.Type("--embedding-type", "Keep the embedding tables at this type");
        var headType = TypeOptions.Type("--head-type", "Keep the task head at this type");
        var command = new Command("quantize", "Requantize an F32/F16/BF16 GGUF to another type") { input, output, type, embeddingType, headType };
        command.SetAction(parse => CliRunner.Run("quantize", () =>
        {
            var options = new ConvertOptions
            {
                Type = TypeOptions.Parse(parse.GetValue(type))!.Value,
                EmbeddingType = TypeOptions.Parse(parse.GetValue(embeddingType)),
                HeadType = TypeOptions.Parse(parse.GetValue(headType)),
                Progress = new ProgressBar(),
            };
            ConversionSummary.Print(GgufRequantizer.Requantize(parse.GetValue(input)!, parse.GetValue(output)!, options));
            return 0;
        }));
        return command;
    }
}
