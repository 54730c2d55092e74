using System.CommandLine;

namespace DebertaGgml.Cli.Commands;

/// <summary>`deberta fill-mask -m mlm.gguf "Paris is the [MASK] of France."`: candidates per [MASK].</summary>
internal static class FillMaskCommand
{
    public static Command Create()
    {
        var texts = new Argument<string[]>("text") { Description = "Texts with [MASK] (none: JSON lines on stdin)", Arity = ArgumentArity.ZeroOrMore };
        var topK = new Option<int>("--top-k", "-k") { Description = "Candidates per [MASK]", DefaultValueFactory = _ => 5 };
        var cli = new PipelineCli();
        var command = new Command("fill-mask", "Predict the tokens at [MASK] with a masked-LM model") { texts, topK };
        cli.AddTo(command);
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var inputs = PipelineCli.ReadInputs(parse.GetValue(texts)).Select(i => PipelineCli.Field(i, "text")).ToArray();
            using var model = cli.LoadModel(parse);
            var options = new FillMaskOptions { TopK = parse.GetValue(topK), Overflow = cli.Overflow(parse) };
            bool json = parse.GetValue(cli.Json);
            PipelineCli.RunInChunks(inputs, chunk => model.FillMask(chunk, options), (text, result) =>
            {
                if (json)
                {
                    PipelineCli.WriteJson(new { text, result.Masks, result.Truncated });
                    return;
                }
                PipelineCli.WarnIfTruncated(result.Truncated, text);
                Console.WriteLine(PipelineCli.Shorten(text));
                for (int m = 0; m < result.Masks.Count; m++)
                {
                    if (result.Masks.Count > 1) Console.WriteLine($"  [MASK] {m + 1}:");
                    foreach (var c in result.Masks[m]) Console.WriteLine($"  {c.Token}\t{c.Score:F4}\t{c.Sequence}");
                }
            });
            return 0;
        }));
        return command;
    }
}
