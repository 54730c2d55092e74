using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using DebertaGgml.Convert;

namespace DebertaGgml.Tests.Convert;

/// <summary>Every bad input fails with a ConvertException naming the file and the problem, and leaves no .gguf behind.</summary>
public class BadInputTests : IDisposable
{
    private readonly ConvertFixtures.TempDir _temp = new();
    private string Output => _temp.File("out.gguf");

    public void Dispose() => _temp.Dispose();

    private ConvertException Fails(string folder, ConvertOptions? options = null)
    {
        var e = Assert.Throws<ConvertException>(() => HfToGgufConverter.Convert(folder, Output, options));
        Assert.False(File.Exists(Output));
        Assert.Empty(Directory.GetFiles(_temp.Path, "*.tmp"));
        return e;
    }

    private string CopyWithConfig(string model, Action<JsonObject> edit)
    {
        string folder = ConvertFixtures.CopyModel(model, _temp);
        string configPath = Path.Combine(folder, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        edit(config);
        File.WriteAllText(configPath, config.ToJsonString());
        return folder;
    }

    [Fact]
    public void Missing_folder_and_missing_config()
    {
        Assert.Contains("does not exist", Fails(_temp.File("nowhere")).Message);
        string folder = ConvertFixtures.CopyModel("v3-Model", _temp);
        File.Delete(Path.Combine(folder, "config.json"));
        var e = Fails(folder);
        Assert.Equal(Path.Combine(folder, "config.json"), e.File);
        Assert.Contains("not found", e.Problem);
    }

    [Fact]
    public void Unreadable_config_json()
    {
        string folder = ConvertFixtures.CopyModel("v3-Model", _temp);
        File.WriteAllText(Path.Combine(folder, "config.json"), "{ \"hidden_size\": 32, ");
        var e = Fails(folder);
        Assert.EndsWith("config.json", e.File);
        Assert.Contains("JSON", e.Problem);
    }

    [Fact]
    public void Missing_weights()
    {
        string folder = ConvertFixtures.CopyModel("v3-Model", _temp);
        File.Delete(Path.Combine(folder, "model.safetensors"));
        File.Delete(Path.Combine(folder, "pytorch_model.bin"));
        Assert.Contains("no weights found", Fails(folder).Message);
    }

    [Fact]
    public void Unsupported_model_type()
    {
        var e = Fails(CopyWithConfig("v3-Model", c => c["model_type"] = "bert"));
        Assert.EndsWith("config.json", e.File);
        Assert.Contains("model_type 'bert'", e.Problem);
    }

    [Fact]
    public void Unsupported_architecture()
    {
        var e = Fails(CopyWithConfig("v3-Model", c => c["architectures"] = new JsonArray("DebertaV2ForCausalLM")));
        Assert.EndsWith("config.json", e.File);
        Assert.Contains("architecture 'DebertaV2ForCausalLM' is not supported", e.Problem);
    }

    [Fact]
    public void Tensor_shape_disagreeing_with_the_config()
    {
        var e = Fails(CopyWithConfig("v3-SequenceClassification", c => c["intermediate_size"] = 128));
        Assert.EndsWith("model.safetensors", e.File);
        Assert.Contains("'deberta.encoder.layer.0.intermediate.dense.weight' has shape [64, 32] but config.json implies [128, 32]", e.Problem);
    }

    [Fact]
    public void Label_count_disagreeing_with_the_classifier()
    {
        var e = Fails(CopyWithConfig("v3-SequenceClassification", c => c["id2label"] = new JsonObject { ["0"] = "a", ["1"] = "b" }));
        Assert.Contains("'classifier.weight' has shape [3, 32] but config.json implies [2, 32]", e.Problem);
    }

    [Fact]
    public void Missing_tensor()
    {
        var e = Fails(CopyWithConfig("v3-Model", c => c["position_biased_input"] = true));
        Assert.Contains("missing tensor 'deberta.embeddings.position_embeddings.weight'", e.Problem);
    }

    private static (byte[] Header, byte[] Data) SplitSafetensors(string path)
    {
        var bytes = File.ReadAllBytes(path);
        int length = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        return (bytes[8..(8 + length)], bytes[(8 + length)..]);
    }

    private static void WriteSafetensors(string path, byte[] header, byte[] data, ulong? declaredLength = null)
    {
        using var stream = File.Create(path);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, declaredLength ?? (ulong)header.Length);
        stream.Write(length);
        stream.Write(header);
        stream.Write(data);
    }

    [Fact]
    public void Safetensors_header_lying_about_offsets()
    {
        string folder = ConvertFixtures.CopyModel("v3-Model", _temp);
        string file = Path.Combine(folder, "model.safetensors");
        var (header, data) = SplitSafetensors(file);
        var json = JsonNode.Parse(header)!.AsObject();
        json["embeddings.LayerNorm.bias"]!["data_offsets"] = new JsonArray(data.Length - 64, data.Length + 64);
        WriteSafetensors(file, Encoding.UTF8.GetBytes(json.ToJsonString()), data);
        var e = Fails(folder);
        Assert.Equal(file, e.File);
        Assert.Contains("'embeddings.LayerNorm.bias' has data_offsets", e.Problem);

        json["embeddings.LayerNorm.bias"]!["data_offsets"] = new JsonArray(0, 256); // overlaps its neighbour
        WriteSafetensors(file, Encoding.UTF8.GetBytes(json.ToJsonString()), data);
        Assert.Contains("needs 128 bytes but data_offsets span 256", Fails(folder).Problem);
    }

    [Fact]
    public void Absurdly_large_safetensors_header()
    {
        string folder = ConvertFixtures.CopyModel("v3-Model", _temp);
        string file = Path.Combine(folder, "model.safetensors");
        var (header, data) = SplitSafetensors(file);
        WriteSafetensors(file, header, data, declaredLength: 1UL << 40);
        var e = Fails(folder);
        Assert.Equal(file, e.File);
        Assert.Contains("absurdly large", e.Problem);
    }

    [Theory]
    [InlineData("model.safetensors", 4)]
    [InlineData("model.safetensors", 1000)]
    [InlineData("model.safetensors", -1)]
    [InlineData("pytorch_model.bin", -1)]
    [InlineData("pytorch_model.bin", 3000)]
    public void Truncated_weights_file(string weights, int keepBytes)
    {
        string folder = ConvertFixtures.CopyModel("v3-Model", _temp);
        string file = Path.Combine(folder, weights);
        var bytes = File.ReadAllBytes(file);
        File.WriteAllBytes(file, bytes[..(keepBytes > 0 ? keepBytes : bytes.Length + keepBytes - 100)]);
        var e = Fails(folder, new ConvertOptions { WeightsFile = weights });
        Assert.Equal(file, e.File);
        Assert.Matches("truncated|corrupt|end of", e.Problem);
    }

    [Fact]
    public void Shard_index_naming_a_missing_shard()
    {
        string folder = ConvertFixtures.CopyModel("v3-MaskedLM-sharded", _temp);
        File.Delete(Path.Combine(folder, "model-00002-of-00002.safetensors"));
        var e = Fails(folder);
        Assert.EndsWith("model.safetensors.index.json", e.File);
        Assert.Contains("'model-00002-of-00002.safetensors' does not exist", e.Problem);
    }

    [Fact]
    public void A_failure_while_writing_keeps_the_previous_output_and_leaves_no_temporary_file()
    {
        File.WriteAllText(Output, "previous");
        var failing = new ConvertOptions { Progress = new Progress(p => { if (p.Done == 5) throw new IOException("disk full"); }) };
        Assert.Throws<ConvertException>(() => HfToGgufConverter.Convert(ConvertFixtures.Model("v3-Model"), Output, failing));
        Assert.Equal("previous", File.ReadAllText(Output));
        Assert.Empty(Directory.GetFiles(_temp.Path, "*.tmp", SearchOption.AllDirectories));
        Assert.Empty(Directory.GetFiles(_temp.Path, ".*", SearchOption.AllDirectories));
    }

    /// <summary>Synchronous progress (System.Progress posts to the thread pool).</summary>
    private sealed class Progress(Action<ConvertProgress> report) : IProgress<ConvertProgress>
    {
        public void Report(ConvertProgress value) => report(value);
    }
}
