using System.CommandLine;

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
        var cli = new PipelineCli();
        var command = new Command("choose", "Score the choices for a prompt with a multiple-choice model") { words };
        cli.AddTo(command);
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var args = parse.GetValue(words) ?? [];
            if (args.Length == 1) throw new ArgumentException("give a prompt and at least one choice");
            var inputs = args.Length > 1
                ? [(args[0], (IReadOnlyList<string>)args[1..])]
                : PipelineCli.ReadInputs(null).Select(i => (PipelineCli.Field(i, "prompt", primary: "prompt"),
                    (IReadOnlyList<string>)(i["choices"]?.AsArray().Select(c => (string)c!).ToArray()
                        ?? throw new ArgumentException($"input {PipelineCli.Shorten(i.ToJsonString())} has no \"choices\" array")))).ToArray();
            using var model = cli.LoadModel(parse);
            var options = new PipelineOptions { Overflow = cli.Overflow(parse) };
            bool json = parse.GetValue(cli.Json);
            PipelineCli.RunInChunks(inputs, chunk => model.ChooseBest(chunk, options), (input, result) =>
            {
                if (json)
                {
                    PipelineCli.WriteJson(new { prompt = input.Item1, result.Choices, best = result.Best.Index, result.Truncated });
                    return;
                }
                PipelineCli.WarnIfTruncated(result.Truncated, input.Item1);
                Console.WriteLine(PipelineCli.Shorten(input.Item1));
                foreach (var c in result.Choices) Console.WriteLine($"  {(c == result.Best ? "*" : " ")} {c.Score:F4}\t{c.Choice}");
            });
            return 0;
        }));
        return command;
    }
}
