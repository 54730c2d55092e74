using System.Text.Json.Nodes;
using DebertaGgml.Bench;
using DebertaGgml.Convert.Checkpoints;
using DebertaGgml.Tests.TestSupport;

namespace DebertaGgml.Tests.Bench;

public sealed class SyntheticCheckpointTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("deberta-bench-test-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static readonly JsonObject Config = new() { ["hidden_size"] = 64, ["num_labels"] = 3, ["vocab_size"] = 100 };

    static PeerManifest Manifest() => new(".", "model.onnx", Config, new[]
    {
        Init("deberta.embeddings.word_embeddings.weight", [100, 64]),
        Init("deberta.embeddings.LayerNorm.weight", [64]),
        Init("deberta.encoder.layer.0.attention.self.query_proj.weight", [64, 64]),
        Init("deberta.encoder.layer.0.attention.self.query_proj.bias", [64]),
    });

    static PeerInitializer Init(string name, long[] shape) =>
        new(name, name + ".bin", shape, "float32", shape.Aggregate(1L, (a, b) => a * b) * 4, name, "identity");

    static float[] Tensor(string folder, string name)
    {
        using var file = SafetensorsFile.Open(Path.Combine(folder, SyntheticCheckpoint.WeightsFile));
        return file.ReadAll(name);
    }

    [Fact]
    public void Writes_config_tokenizer_and_every_tensor_with_its_scale()
    {
        string folder = SyntheticCheckpoint.Ensure(Manifest(), Path.Combine(_dir, "hf"), 42, Repo.Fixtures("models", "v3-SequenceClassification"));

        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "config.json")))!;
        Assert.Equal("deberta-v2", (string?)config["model_type"]);
        Assert.Equal("DebertaV2ForSequenceClassification", (string?)config["architectures"]![0]);
        Assert.Equal(3, config["id2label"]!.AsObject().Count);
        Assert.True(File.Exists(Path.Combine(folder, "spm.model")));

        using (var file = SafetensorsFile.Open(Path.Combine(folder, SyntheticCheckpoint.WeightsFile)))
            Assert.Equal(Manifest().Initializers.Select(i => i.HfName).Order(), file.Tensors.Keys.Order());
        var gains = Tensor(folder, "deberta.embeddings.LayerNorm.weight");
        Assert.All(gains, g => Assert.InRange(g, 0.6f, 1.4f));
        var query = Tensor(folder, "deberta.encoder.layer.0.attention.self.query_proj.weight");
        double std = Math.Sqrt(query.Average(v => (double)v * v));
        Assert.InRange(std, 0.9 / 8, 1.1 / 8); // N(0, 1/in_features), in_features = 64
        Assert.InRange(Math.Abs(query.Average()), 0, 0.02);
    }

    [Fact]
    public void Same_seed_gives_the_same_weights_another_seed_different_ones()
    {
        string tokenizer = Repo.Fixtures("models", "v3-SequenceClassification");
        string a = SyntheticCheckpoint.Ensure(Manifest(), Path.Combine(_dir, "a"), 1, tokenizer);
        string b = SyntheticCheckpoint.Ensure(Manifest(), Path.Combine(_dir, "b"), 1, tokenizer);
        string c = SyntheticCheckpoint.Ensure(Manifest(), Path.Combine(_dir, "c"), 2, tokenizer);
        const string name = "deberta.encoder.layer.0.attention.self.query_proj.bias";
        Assert.Equal(Tensor(a, name), Tensor(b, name));
        Assert.NotEqual(Tensor(a, name), Tensor(c, name));
    }
}
