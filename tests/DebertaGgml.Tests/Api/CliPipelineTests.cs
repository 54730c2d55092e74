using System.Text.Json.Nodes;
using DebertaGgml.Tests.TestSupport;

namespace DebertaGgml.Tests.Api;

/// <summary>The pipeline commands of the `deberta` CLI, run as a child process, against the library's answers.</summary>
public class CliPipelineTests
{
    static JsonNode[] JsonLines(string stdout) =>
        stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToArray();

    [Fact]
    public void Classify_without_a_model_uses_the_bundled_language_identifier()
    {
        var result = CliProcess.Run(["classify", "Wie spät ist es?"]);
        Assert.True(result.ExitCode == 0, result.StdErr);
        var fields = result.StdOut.Trim().Split('\t');
        Assert.Equal("de", fields[0]);
        Assert.InRange(double.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture), 0.5, 1.0);
        Assert.Equal("Wie spät ist es?", fields[2]);
    }

    [Fact]
    public void Classify_reads_json_lines_and_writes_json_lines()
    {
        var examples = JsonNode.Parse(File.ReadAllText(Repo.Fixtures("demo", "examples.json")))!;
        var items = (examples is JsonArray a ? a : examples["items"]!.AsArray()).Take(6).ToArray();
        string stdin = string.Join("\n", items.Select(i => new JsonObject { ["text"] = (string)i!["text"]! }.ToJsonString()));
        var result = CliProcess.Run(["classify", "--json", "--top-k", "2"], stdin: stdin);
        Assert.True(result.ExitCode == 0, result.StdErr);
        var lines = JsonLines(result.StdOut);
        Assert.Equal(items.Length, lines.Length);
        for (int i = 0; i < items.Length; i++)
        {
            Assert.Equal((string)items[i]!["text"]!, (string)lines[i]["text"]!);
            Assert.Equal((string)items[i]!["label"]!, (string)lines[i]["scores"]![0]!["label"]!);
            Assert.Equal(2, lines[i]["scores"]!.AsArray().Count);
        }
    }

    [Fact]
    public void Errors_are_one_line_with_a_non_zero_exit_code()
    {
        var missing = CliProcess.Run(["classify", "--model", "/nonexistent/x.gguf", "text"]);
        Assert.Equal(1, missing.ExitCode);
        Assert.StartsWith("deberta classify: error:", missing.StdErr);
        Assert.Contains("/nonexistent/x.gguf", missing.StdErr);
        Assert.Single(missing.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        var wrongHead = CliProcess.Run(["qa", "--model", ConvertedModels.Get("v3-SequenceClassification"), "--context", "c", "q"]);
        Assert.Equal(1, wrongHead.ExitCode);
        Assert.Contains("SequenceClassification", wrongHead.StdErr);

        var badJson = CliProcess.Run(["classify", "--json"], stdin: "{not json\n");
        Assert.Equal(1, badJson.ExitCode);
        Assert.Equal(1, (int)JsonLines(badJson.StdOut).Single()["line"]!);

        Assert.NotEqual(0, CliProcess.Run(["ner", "no model given"]).ExitCode);
    }

    [Fact]
    public void Task_commands_print_the_library_results()
    {
        var ner = ApiRefs.Model("v3-TokenClassification");
        string text = "The pager shows one screen of the manual page at a time.";
        var nerOut = CliProcess.Run(["ner", "-m", ConvertedModels.Get("v3-TokenClassification"), "--aggregation", "none", "--json", text]);
        Assert.True(nerOut.ExitCode == 0, nerOut.StdErr);
        var expected = ner.ExtractEntities(text).Entities;
        var entities = JsonLines(nerOut.StdOut).Single()["entities"]!.AsArray();
        Assert.Equal(expected.Select(e => (e.Label, e.Start)), entities.Select(e => ((string)e!["entity"]!, (int)e["start"]!)));

        var mlm = CliProcess.Run(["fill-mask", "-m", ConvertedModels.Get("v3-MaskedLM"), "--json", "-k", "3", "The pager shows one [MASK]."]);
        Assert.True(mlm.ExitCode == 0, mlm.StdErr);
        var candidates = JsonLines(mlm.StdOut).Single()["masks"]![0]!.AsArray();
        var library = ApiRefs.Model("v3-MaskedLM").FillMask("The pager shows one [MASK].", new FillMaskOptions { TopK = 3 }).Masks[0];
        Assert.Equal(library.Select(c => c.TokenId), candidates.Select(c => (int)c!["token"]!));

        var qa = CliProcess.Run(["qa", "-m", ConvertedModels.Get("v3-QuestionAnswering"), "--context", text, "What does the pager show?"]);
        Assert.True(qa.ExitCode == 0, qa.StdErr);
        Assert.Contains(ApiRefs.Model("v3-QuestionAnswering").AnswerQuestion("What does the pager show?", text).Best.Text, qa.StdOut);

        var choose = CliProcess.Run(["choose", "-m", ConvertedModels.Get("v3-MultipleChoice"), "--json", "What shows pages?", "the pager", "the archiver"]);
        Assert.True(choose.ExitCode == 0, choose.StdErr);
        Assert.Equal(ApiRefs.Model("v3-MultipleChoice").ChooseBest("What shows pages?", ["the pager", "the archiver"]).Best.Index,
            (int)JsonLines(choose.StdOut).Single()["best"]!);

        var rerank = CliProcess.Run(["rerank", "-m", ConvertedModels.Get("v3-SequenceClassification-regression"), "--query", "pager", "--json", "a", "b", "c"]);
        Assert.True(rerank.ExitCode == 0, rerank.StdErr);
        Assert.Equal(3, JsonLines(rerank.StdOut).Length);

        var zero = CliProcess.Run(["zero-shot", "-m", ConvertedModels.Get("v3-SequenceClassification"), "--labels", "x,y", "--json", text]);
        Assert.True(zero.ExitCode == 0, zero.StdErr);
        Assert.Equal(1.0, JsonLines(zero.StdOut).Single()["scores"]!.AsArray().Sum(s => (double)s!["score"]!), 1e-4);

        var embed = CliProcess.Run(["embed", "-m", ConvertedModels.Get("v3-Model"), "--json", text]);
        Assert.True(embed.ExitCode == 0, embed.StdErr);
        var vector = JsonLines(embed.StdOut).Single()["embedding"]!.AsArray().Select(x => (float)x!).ToArray();
        Assert.Equal(ApiRefs.Model("v3-Model").Embed(text).Vector, vector);

        var bench = CliProcess.Run(["bench", "-m", ConvertedModels.Get("v3-Model"), "--json", "-b", "2", "-n", "16", "-i", "2"]);
        Assert.True(bench.ExitCode == 0, bench.StdErr);
        Assert.True((double)JsonLines(bench.StdOut).Single()["tokens_per_second"]! > 0);
    }
}
