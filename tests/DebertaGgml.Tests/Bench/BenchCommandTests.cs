using System.Text.Json;
using DebertaGgml.Convert;
using DebertaGgml.Tests.TestSupport;

namespace DebertaGgml.Tests.Bench;

/// <summary>`deberta bench`: our engine alone on a user's model (a converted fixture here), in a child process.</summary>
public sealed class BenchCommandTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("deberta-bench-cli-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    string Model()
    {
        string path = Path.Combine(_dir, "model.gguf");
        HfToGgufConverter.Convert(Repo.Fixtures("models", "v3-SequenceClassification"), path);
        return path;
    }

    [Fact]
    public void Reports_consistent_figures_for_the_requested_shape()
    {
        string model = Model();

        var run = CliProcess.Run(["bench", model, "--batch", "2", "--seq", "16", "--iterations", "3", "--warmup", "1", "--threads", "1", "--json"]);

        Assert.True(run.ExitCode == 0, run.StdErr);
        var r = JsonDocument.Parse(run.StdOut).RootElement;
        Assert.Equal(2, r.GetProperty("batch").GetInt32());
        Assert.Equal(16, r.GetProperty("tokens").GetInt32());
        Assert.Equal(3, r.GetProperty("iterations").GetInt32());
        Assert.Equal("SequenceClassification", r.GetProperty("head").GetString());
        Assert.Equal(new FileInfo(model).Length, r.GetProperty("file_bytes").GetInt64());
        double min = r.GetProperty("min_ms").GetDouble(), median = r.GetProperty("median_ms").GetDouble(), p90 = r.GetProperty("p90_ms").GetDouble();
        Assert.True(0 < min && min <= median && median <= p90, $"min {min}, median {median}, p90 {p90}");
        Assert.Equal(2 * 16 * 1000 / median, r.GetProperty("tokens_per_second").GetDouble(), 6);
        Assert.True(r.GetProperty("load_ms").GetDouble() > 0);
        Assert.True(r.GetProperty("peak_rss_mb").GetDouble() > 10);
    }

    [Fact]
    public void A_sequence_longer_than_the_model_allows_is_a_one_line_error_naming_the_option()
    {
        var run = CliProcess.Run(["bench", Model(), "--seq", "100000", "--iterations", "1"]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("--seq 100000: the model accepts at most", run.StdErr);
        Assert.Single(run.StdErr.Trim().Split('\n'));
    }

    [Fact]
    public void A_missing_model_file_is_named()
    {
        string missing = Path.Combine(_dir, "absent.gguf");
        var run = CliProcess.Run(["bench", missing]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains(missing, run.StdErr);
    }
}
