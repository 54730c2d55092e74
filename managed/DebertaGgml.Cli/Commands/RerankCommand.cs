using System.CommandLine;

namespace DebertaGgml.Cli.Commands;

/// <summary>`deberta rerank -m ce.gguf --query "..." "doc 1" "doc 2"...`: documents sorted by relevance.</summary>
internal static class RerankCommand
{
    public static Command Create()
    {
        var documents = new Argument<string[]>("document") { Description = "Documents (none: stdin, one per line or JSON lines)", Arity = ArgumentArity.ZeroOrMore };
        var query = new Option<string>("--query", "-q") { Description = "The query", Required = true };
        var topK = new Option<int>("--top-k", "-k") { Description = "Documents to show (0: all)", DefaultValueFactory = _ => 0 };
        var cli = new PipelineCli("rerank", ModelHead.SequenceClassification, documents);
        var command = new Command("rerank", "Rank documents for a query with a cross-encoder (sequence-classification) model") { documents, query, topK };
        cli.AddTo(command);
        command.SetAction(parse => CliRunner.Run("rerank", () =>
        {
            if (parse.GetValue(topK) < 0) throw new UsageException("--top-k must be 0 (all) or positive");
            using var model = cli.LoadModel(parse);
            // Documents are ranked against each other, so all are read first; an unreadable one is reported and left out.
            var (docs, places, failed) = cli.ReadAll(parse, input => PipelineCli.Field(input.Value, "text"));
            var options = new RerankOptions { TopK = parse.GetValue(topK) is 0 ? null : parse.GetValue(topK), Overflow = cli.Overflow(parse) };
            foreach (var r in model.Rerank(parse.GetValue(query)!, docs, options))
            {
                // Index: the document's 0-based place among all inputs, failed ones included.
                var ranked = r with { Index = places[r.Index] };
                if (parse.GetValue(cli.Json)) CliJson.WriteLine(ranked, CliJson.Lines.RankedDocument);
                else
                {
                    cli.WarnIfTruncated(r.Truncated, r.Document);
                    Console.WriteLine($"{r.Score:F4}\t#{ranked.Index}\t{PipelineCli.Shorten(r.Document)}");
                }
            }
            return failed > 0 ? CliRunner.Failed : 0;
        }));
        return command;
    }
}
