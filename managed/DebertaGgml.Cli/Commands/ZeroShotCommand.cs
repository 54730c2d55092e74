using System.CommandLine;

namespace DebertaGgml.Cli.Commands;

/// <summary>`deberta zero-shot -m nli.gguf --labels a,b,c "text"...`: zero-shot classification with an NLI model.</summary>
internal static class ZeroShotCommand
{
    public static Command Create()
    {
        var texts = new Argument<string[]>("text") { Description = "Texts (none: JSON lines on stdin)", Arity = ArgumentArity.ZeroOrMore };
        var labels = new Option<string>("--labels", "-l") { Description = "Candidate labels, comma-separated", Required = true };
        var template = new Option<string>("--template") { Description = "Hypothesis template", DefaultValueFactory = _ => new ZeroShotOptions().HypothesisTemplate };
        var multiLabel = new Option<bool>("--multi-label") { Description = "Score each label on its own instead of across labels" };
        var cli = new PipelineCli();
        var command = new Command("zero-shot", "Zero-shot classification with an NLI (entailment) model") { texts, labels, template, multiLabel };
        cli.AddTo(command);
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var candidates = parse.GetValue(labels)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            var inputs = PipelineCli.ReadInputs(parse.GetValue(texts)).Select(i => PipelineCli.Field(i, "text")).ToArray();
            using var model = cli.LoadModel(parse);
            var options = new ZeroShotOptions
            {
                HypothesisTemplate = parse.GetValue(template)!,
                MultiLabel = parse.GetValue(multiLabel),
                Overflow = cli.Overflow(parse),
            };
            bool json = parse.GetValue(cli.Json);
            PipelineCli.RunInChunks(inputs, chunk => model.ZeroShotClassify(chunk, candidates, options), (text, result) =>
            {
                if (json)
                {
                    PipelineCli.WriteJson(new { text, result.Scores, result.Truncated });
                    return;
                }
                PipelineCli.WarnIfTruncated(result.Truncated, text);
                Console.WriteLine(PipelineCli.Shorten(text));
                foreach (var s in result.Scores) Console.WriteLine($"  {s.Label}\t{s.Score:F4}");
            });
            return 0;
        }));
        return command;
    }
}
