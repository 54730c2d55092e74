using System.CommandLine;

namespace DebertaGgml.Cli.Commands;

/// <summary>`deberta qa -m qa.gguf --context "..." "question"...`: extractive question answering.</summary>
internal static class QaCommand
{
    public static Command Create()
    {
        var questions = new Argument<string[]>("question") { Description = "Questions (none: JSON lines {\"question\", \"context\"} on stdin)", Arity = ArgumentArity.ZeroOrMore };
        var context = new Option<string?>("--context", "-c") { Description = "Context for every question" };
        var contextFile = new Option<FileInfo?>("--context-file") { Description = "Read the context from a file" };
        var topK = new Option<int>("--top-k", "-k") { Description = "Answers per question", DefaultValueFactory = _ => 1 };
        var maxAnswer = new Option<int>("--max-answer-length") { Description = "Longest answer in tokens", DefaultValueFactory = _ => 15 };
        var stride = new Option<int?>("--doc-stride") { Description = "Tokens shared by consecutive windows of a long context" };
        var impossible = new Option<bool>("--allow-no-answer") { Description = "Offer the empty answer when the context has none" };
        var cli = new PipelineCli();
        var command = new Command("qa", "Extractive question answering") { questions, context, contextFile, topK, maxAnswer, stride, impossible };
        cli.AddTo(command);
        command.SetAction(parse => CliRunner.Run(() =>
        {
            string? shared = parse.GetValue(context) ?? (parse.GetValue(contextFile) is { } file ? File.ReadAllText(file.FullName) : null);
            var inputs = PipelineCli.ReadInputs(parse.GetValue(questions))
                .Select(i => (Question: PipelineCli.Field(i, "question", primary: "question"),
                              Context: PipelineCli.OptionalField(i, "context") ?? shared
                                       ?? throw new ArgumentException("no context: pass --context/--context-file or a \"context\" field")))
                .ToArray();
            using var model = cli.LoadModel(parse);
            var options = new QuestionAnsweringOptions
            {
                TopK = parse.GetValue(topK),
                MaxAnswerLength = parse.GetValue(maxAnswer),
                DocStride = parse.GetValue(stride),
                HandleImpossibleAnswer = parse.GetValue(impossible),
            };
            bool json = parse.GetValue(cli.Json);
            PipelineCli.RunInChunks(inputs, chunk => model.AnswerQuestion(chunk, options), (input, result) =>
            {
                if (json)
                {
                    PipelineCli.WriteJson(new { question = input.Question, result.Answers });
                    return;
                }
                Console.WriteLine(PipelineCli.Shorten(input.Question));
                foreach (var a in result.Answers)
                    Console.WriteLine($"  {(a.Text.Length == 0 ? "(no answer)" : a.Text)}\t{a.Score:F4}\t{a.Start}-{a.End}");
            });
            return 0;
        }));
        return command;
    }
}
