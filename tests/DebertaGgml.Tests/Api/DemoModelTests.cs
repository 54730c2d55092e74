using System.Diagnostics;
using System.Text.Json.Nodes;
using DebertaGgml.Convert;
using DebertaGgml.Gguf;
using DebertaGgml.Tests.TestSupport;
using Xunit.Abstractions;

namespace DebertaGgml.Tests.Api;

/// <summary>
/// The bundled language identifier (models/langid-q8_0.gguf) and its F32 source on the whole labelled test set
/// (tests/fixtures/demo/test.jsonl, 3000 texts), against the HF reference accuracy in test_ref.json.
/// </summary>
public class DemoModelTests(ITestOutputHelper output)
{
    public static string CommittedModel => Repo.Path("models", "langid-q8_0.gguf");
    const double AllowedPoints = 0.5;

    static readonly Lazy<(string[] Texts, string[] Labels, double HfAccuracy, JsonArray Items)> TestSet = new(() =>
    {
        var lines = File.ReadLines(Repo.Fixtures("demo", "test.jsonl")).Where(l => l.Length > 0).Select(l => JsonNode.Parse(l)!).ToArray();
        var reference = JsonNode.Parse(File.ReadAllText(Repo.Fixtures("demo", "test_ref.json")))!;
        return (lines.Select(l => (string)l["text"]!).ToArray(), lines.Select(l => (string)l["label"]!).ToArray(),
                (double)reference["accuracy"]!, reference["items"]!.AsArray());
    });

    double Accuracy(string path, string name)
    {
        var (texts, labels, hf, _) = TestSet.Value;
        using var model = DebertaModel.Load(path, new DebertaModelOptions { MaxBatch = 32, Threads = 1 });
        var clock = Stopwatch.StartNew();
        var results = model.Classify(texts);
        int correct = results.Where((r, i) => r.Top.Label == labels[i]).Count();
        double accuracy = 100.0 * correct / texts.Length;
        output.WriteLine($"{name}: accuracy {accuracy:F2} % ({correct}/{texts.Length}), HF fp32 {100 * hf:F2} %, {clock.Elapsed.TotalSeconds:F1} s, {new FileInfo(path).Length} bytes");
        return accuracy;
    }

    [Fact]
    public void Committed_q8_0_model_matches_hf_accuracy()
    {
        Assert.True(File.Exists(CommittedModel), $"{CommittedModel} is missing");
        Assert.InRange(new FileInfo(CommittedModel).Length, 1 << 20, 4 << 20);
        double hf = 100 * TestSet.Value.HfAccuracy;
        Assert.Equal(99.80, hf, 0.01);
        Assert.InRange(Accuracy(CommittedModel, "Q8_0 (committed)"), hf - AllowedPoints, 100);
    }

    [Fact]
    public void F32_conversion_matches_hf_accuracy_and_logits()
    {
        string path = ApiRefs.GgufFromFolder(Repo.Fixtures("demo", "langid"), "langid", GgmlType.F32);
        Assert.InRange(Accuracy(path, "F32"), 100 * TestSet.Value.HfAccuracy - AllowedPoints, 100);

        // The first 200 items: our tokenization gives HF's ids and our logits HF's within float tolerance.
        var (texts, _, _, items) = TestSet.Value;
        using var model = DebertaModel.Load(path);
        var results = model.Classify(texts[..200], new ClassifyOptions { TopK = null, Function = ScoreFunction.None });
        double maxDiff = 0;
        for (int i = 0; i < 200; i++)
        {
            var ids = items[i]!["input_ids"]!.AsArray().Select(x => (int)x!).ToArray();
            Assert.Equal(ids, model.Tokenizer.Encode(texts[i]).Ids);
            var logits = items[i]!["logits"]!.AsArray().Select(x => (double)x!).ToArray();
            foreach (var s in results[i].Scores) maxDiff = Math.Max(maxDiff, Math.Abs(s.Score - logits[s.Id]));
        }
        output.WriteLine($"F32 max |logit - HF fp32| over 200 texts: {maxDiff:E2}");
        Assert.True(maxDiff < 1e-3, $"max logit difference {maxDiff}");
    }

    [Fact]
    public void Q4_K_accuracy_is_reported()
    {
        string path = ApiRefs.GgufFromFolder(Repo.Fixtures("demo", "langid"), "langid", GgmlType.Q4_K);
        // Reported, with a loose floor: 4-bit weights may flip the few low-margin texts.
        Assert.InRange(Accuracy(path, "Q4_K"), 95, 100);
    }
}
