using System.CommandLine;
using DebertaGgml.Pipelines;

namespace DebertaGgml.Cli.Commands;

/// <summary>`deberta zero-shot -m nli.gguf --labels a,b,c "text"...`: zero-shot classification with an NLI model.</summary>
internal static class ZeroShotCommand
{
    public static Command Create()
    {
        var texts = new Argument<string[]>("text") { Description = "Texts (none: stdin, one text per line or JSON lines)", Arity = ArgumentArity.ZeroOrMore };
        var labels = new Option<string>("--labels", "-l") { Description = "Candidate labels, comma-separated", Required = true };
        var template = new Option<string>("--template") { Description = "Hypothesis template ({} is the label)", DefaultValueFactory = _ => new ZeroShotOptions().HypothesisTemplate };
        var multiLabel = new Option<bool>("--multi-label") { Description = "Score each label on its own instead of across labels" };
        var cli = new PipelineCli("zero-shot", ModelHead.SequenceClassification, texts);
        var command = new Command("zero-shot", "Zero-shot classification with an NLI (entailment) model") { texts, labels, template, multiLabel };
        cli.AddTo(command);
        command.SetAction(parse => CliRunner.Run("zero-shot", () =>
        {
            var candidates = parse.GetValue(labels)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (candidates.Length == 0) throw new UsageException("--labels needs at least one label");
            if (!parse.GetValue(template)!.Contains("{}")) throw new UsageException($"--template '{parse.GetValue(template)}' has no {{}} for the label");
            using var model = cli.LoadModel(parse);
            if (ZeroShotPostProcessing.EntailmentLabel(model.Info.Labels) == null)
                cli.Warn($"the model has no label starting with \"entail\" (its labels: {string.Join(", ", model.Info.Labels)}); " +
                         $"the last one, '{model.Info.Labels[^1]}', is taken as entailment, so the scores may mean nothing");
            var options = new ZeroShotOptions
            {
                HypothesisTemplate = parse.GetValue(template)!,
                MultiLabel = parse.GetValue(multiLabel),
                Overflow = cli.Overflow(parse),
            };
            bool json = parse.GetValue(cli.Json);
            return cli.Run(parse, model, input => PipelineCli.Field(input.Value, "text"),
                (chunk, cancel) => model.ZeroShotClassify(chunk, candidates, options, cancel),
                (text, result) =>
                {
                    if (json)
                    {
                        CliJson.WriteLine(new ZeroShotLine(text, result.Scores, result.Truncated), CliJson.Lines.ZeroShotLine);
                        return;
                    }
                    cli.WarnIfTruncated(result.Truncated, text);
                    Console.WriteLine(PipelineCli.Shorten(text));
                    foreach (var s in result.Scores) Console.WriteLine($"  {s.Label}\t{s.Score:F4}");
                });
        }));
        return command;
    }
}
