using System.CommandLine;

namespace DebertaGgml.Cli.Commands;

/// <summary>`deberta qa -m qa.gguf --context "..." "question"...`: extractive question answering.</summary>
internal static class QaCommand
{
    public static Command Create()
    {
        var questions = new Argument<string[]>("question")
        {
            Description = "Questions (none: stdin, one question per line, or JSON lines {\"question\", \"context\"})",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var context = new Option<string?>("--context", "-c") { Description = "Context for every question" };
        var contextFile = new Option<string?>("--context-file") { Description = "Read the context for every question from a file (-: stdin)" };
        var topK = new Option<int>("--top-k", "-k") { Description = "Answers per question", DefaultValueFactory = _ => 1 };
        var maxAnswer = new Option<int>("--max-answer-length") { Description = "Longest answer in tokens", DefaultValueFactory = _ => 15 };
        var stride = new Option<int?>("--doc-stride") { Description = "Tokens shared by consecutive windows of a long context" };
        var impossible = new Option<bool>("--allow-no-answer") { Description = "Offer the empty answer when the context has none" };
        var cli = new PipelineCli("qa", ModelHead.QuestionAnswering, questions);
        var command = new Command("qa", "Extractive question answering") { questions, context, contextFile, topK, maxAnswer, stride, impossible };
        cli.AddTo(command);
        command.SetAction(parse => CliRunner.Run("qa", () =>
        {
            if (parse.GetValue(context) != null && parse.GetValue(contextFile) != null)
                throw new UsageException("--context and --context-file both give the context; pass one");
            if (parse.GetValue(contextFile) == "-" && parse.GetValue(questions) is not { Length: > 0 })
                throw new UsageException("--context-file - reads stdin, so the questions must be arguments");
            if (parse.GetValue(topK) < 1) throw new UsageException("--top-k must be at least 1");
            if (parse.GetValue(maxAnswer) < 1) throw new UsageException("--max-answer-length must be at least 1");
            if (parse.GetValue(stride) < 0) throw new UsageException("--doc-stride must not be negative");
            string? shared = parse.GetValue(context) ?? (parse.GetValue(contextFile) is { } file ? StdPaths.ReadAllText(file) : null);
            using var model = cli.LoadModel(parse);
            var options = new QuestionAnsweringOptions
            {
                TopK = parse.GetValue(topK),
                MaxAnswerLength = parse.GetValue(maxAnswer),
                DocStride = parse.GetValue(stride),
                HandleImpossibleAnswer = parse.GetValue(impossible),
            };
            bool json = parse.GetValue(cli.Json);
            return cli.Run(parse, model,
                input => (Question: PipelineCli.Field(input.Value, "question", primary: "question"),
                          Context: PipelineCli.OptionalField(input.Value, "context") ?? shared
                                   ?? throw new ArgumentException("no context: pass --context/--context-file or a \"context\" field")),
                (chunk, cancel) => model.AnswerQuestion(chunk, options, cancel),
                (input, result) =>
                {
                    if (json)
                    {
                        CliJson.WriteLine(new AnswerLine(input.Question, result.Answers.Select(a => new AnswerJson(a.Text, a.Score, a.Start, a.End)).ToArray()),
                            CliJson.Lines.AnswerLine);
                        return;
                    }
                    Console.WriteLine(PipelineCli.Shorten(input.Question));
                    foreach (var a in result.Answers)
                        Console.WriteLine($"  {(a.Text.Length == 0 ? "(no answer)" : a.Text)}\t{a.Score:F4}\t{a.Start}-{a.End}");
                });
        }));
        return command;
    }
}
