using System.CommandLine;

namespace DebertaGgml.Cli.Commands;

/// <summary>`deberta fill-mask -m mlm.gguf "Paris is the [MASK] of France."`: candidates per [MASK].</summary>
internal static class FillMaskCommand
{
    public static Command Create()
    {
        var texts = new Argument<string[]>("text") { Description = "Texts with [MASK] (none: stdin, one text per line or JSON lines)", Arity = ArgumentArity.ZeroOrMore };
        var topK = new Option<int>("--top-k", "-k") { Description = "Candidates per [MASK]", DefaultValueFactory = _ => 5 };
        var cli = new PipelineCli("fill-mask", ModelHead.MaskedLM, texts);
        var command = new Command("fill-mask", "Predict the tokens at [MASK] with a masked-LM model") { texts, topK };
        cli.AddTo(command);
        command.SetAction(parse => CliRunner.Run("fill-mask", () =>
        {
            if (parse.GetValue(topK) < 1) throw new UsageException("--top-k must be at least 1");
            using var model = cli.LoadModel(parse);
            var options = new FillMaskOptions { TopK = parse.GetValue(topK), Overflow = cli.Overflow(parse) };
            bool json = parse.GetValue(cli.Json);
            return cli.Run(parse, model, input => PipelineCli.Field(input.Value, "text"),
                (chunk, cancel) => model.FillMask(chunk, options, cancel),
                (text, result) =>
                {
                    if (json)
                    {
                        var masks = result.Masks.Select(m => (IReadOnlyList<FillMaskJson>)m.Select(c => new FillMaskJson(c.TokenId, c.Token, c.Score, c.Sequence)).ToArray()).ToArray();
                        CliJson.WriteLine(new FillMaskLine(text, masks, result.Truncated), CliJson.Lines.FillMaskLine);
                        return;
                    }
                    cli.WarnIfTruncated(result.Truncated, text);
                    Console.WriteLine(PipelineCli.Shorten(text));
                    for (int m = 0; m < result.Masks.Count; m++)
                    {
                        if (result.Masks.Count > 1) Console.WriteLine($"  [MASK] {m + 1}:");
                        foreach (var c in result.Masks[m]) Console.WriteLine($"  {c.Token}\t{c.Score:F4}\t{c.Sequence}");
                    }
                });
        }));
        return command;
    }
}
