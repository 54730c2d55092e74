using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DebertaGgml.Cli.Commands;

/// <summary>`deberta choose -m mc.gguf "prompt" "choice 1" "choice 2"...`: multiple choice.</summary>
internal static class ChooseCommand
{
    public static Command Create()
    {
        var words = new Argument<string[]>("prompt-and-choices")
        {
            Description = "The prompt, then its choices (none: JSON lines {\"prompt\", \"choices\": [...]} on stdin)",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var cli = new PipelineCli("choose", ModelHead.MultipleChoice, words)
        {
            // The arguments are one item: the prompt, then its choices.
            ArgumentInputs = args => [new JsonObject { ["prompt"] = args[0], ["choices"] = new JsonArray(args[1..].Select(c => (JsonNode?)c).ToArray()) }],
        };
        var command = new Command("choose", "Score the choices for a prompt with a multiple-choice model") { words };
        cli.AddTo(command);
        command.SetAction(parse => CliRunner.Run("choose", () =>
        {
            var args = parse.GetValue(words) ?? [];
            if (args.Length == 1) throw new UsageException("give a prompt and at least one choice");
            using var model = cli.LoadModel(parse);
            var options = new PipelineOptions { Overflow = cli.Overflow(parse) };
            bool json = parse.GetValue(cli.Json);
            return cli.Run(parse, model,
                input => (PipelineCli.Field(input.Value, "prompt", primary: "prompt"),
                          input.Value is JsonObject { } item && item["choices"] is JsonArray choices && choices.All(c => c?.GetValueKind() == JsonValueKind.String)
                              ? (IReadOnlyList<string>)choices.Select(c => (string)c!).ToArray()
                              : throw new ArgumentException("a \"choices\" array of strings is needed")),
                (chunk, cancel) => model.ChooseBest(chunk, options, cancel),
                (input, result) =>
                {
                    if (json)
                    {
                        CliJson.WriteLine(new ChoiceLine(input.Item1, result.Choices, result.Best.Index, result.Truncated), CliJson.Lines.ChoiceLine);
                        return;
                    }
                    cli.WarnIfTruncated(result.Truncated, input.Item1);
                    Console.WriteLine(PipelineCli.Shorten(input.Item1));
                    foreach (var c in result.Choices) Console.WriteLine($"  {(c == result.Best ? "*" : " ")} {c.Score:F4}\t{c.Choice}");
                });
        }));
        return command;
    }
}
