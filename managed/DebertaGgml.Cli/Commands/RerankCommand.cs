using System.CommandLine;

namespace DebertaGgml.Cli.Commands;

/// <summary>`deberta rerank -m ce.gguf --query "..." "doc 1" "doc 2"...`: documents sorted by relevance.</summary>
internal static class RerankCommand
{
    public static Command Create()
    {
        var documents = new Argument<string[]>("document") { Description = "Documents (none: JSON lines on stdin, strings or {\"text\"})", Arity = ArgumentArity.ZeroOrMore };
        var query = new Option<string>("--query", "-q") { Description = "The query", Required = true };
        var topK = new Option<int>("--top-k", "-k") { Description = "Documents to show (0: all)", DefaultValueFactory = _ => 0 };
        var cli = new PipelineCli();
        var command = new Command("rerank", "Rank documents for a query with a cross-encoder (sequence-classification) model") { documents, query, topK };
        cli.AddTo(command);
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var docs = PipelineCli.ReadInputs(parse.GetValue(documents)).Select(i => PipelineCli.Field(i, "text")).ToArray();
            using var model = cli.LoadModel(parse);
            var options = new RerankOptions { TopK = parse.GetValue(topK) is 0 ? null : parse.GetValue(topK), Overflow = cli.Overflow(parse) };
            var ranked = model.Rerank(parse.GetValue(query)!, docs, options);
            foreach (var r in ranked)
            {
                if (parse.GetValue(cli.Json)) PipelineCli.WriteJson(r);
                else Console.WriteLine($"{r.Score:F4}\t#{r.Index}\t{PipelineCli.Shorten(r.Document)}");
            }
            return 0;
        }));
        return command;
    }
}
