using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace DebertaGgml.Bench;

/// <summary>One ONNX initializer stored as external data: which HF tensor fills which file, and how.</summary>
public sealed record PeerInitializer(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("file")] string File,
    [property: JsonPropertyName("shape")] long[] Shape,
    [property: JsonPropertyName("dtype")] string DType,
    [property: JsonPropertyName("byte_length")] long ByteLength,
    [property: JsonPropertyName("hf_name")] string HfName,
    [property: JsonPropertyName("transform")] string Transform)
{
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);
}

/// <summary>bench/peer/&lt;model&gt;/manifest.json: the weight-free ONNX graph's config and initializer list.</summary>
public sealed record PeerManifest(string Folder, string GraphPath, JsonObject HfConfig, IReadOnlyList<PeerInitializer> Initializers)
{
    public int HiddenSize => (int)HfConfig["hidden_size"]!;
    public int Layers => (int)HfConfig["num_hidden_layers"]!;
    public int Heads => (int)HfConfig["num_attention_heads"]!;
    public int IntermediateSize => (int)HfConfig["intermediate_size"]!;
    public int VocabSize => (int)HfConfig["vocab_size"]!;
    public int NumLabels => (int)HfConfig["num_labels"]!;

    public static PeerManifest Load(string folder)
    {
        string path = Path.Combine(folder, "manifest.json");
        if (!System.IO.File.Exists(path)) throw new FileNotFoundException($"peer manifest not found: {path}", path);
        var root = JsonNode.Parse(System.IO.File.ReadAllText(path))?.AsObject()
                   ?? throw new InvalidDataException($"{path}: not a JSON object");
        var config = root["hf_config"]?.AsObject() ?? throw new InvalidDataException($"{path}: no hf_config");
        var initializers = root["initializers"]?.Deserialize<List<PeerInitializer>>()
                           ?? throw new InvalidDataException($"{path}: no initializers");
        foreach (var init in initializers)
        {
            if (init.DType != "float32") throw new InvalidDataException($"{path}: {init.Name} has dtype {init.DType}, only float32 is supported");
            if (init.ByteLength != init.ElementCount * 4) throw new InvalidDataException($"{path}: {init.Name} byte_length {init.ByteLength} does not match its shape");
            if (init.Transform is not ("identity" or "transpose")) throw new InvalidDataException($"{path}: {init.Name} has unknown transform '{init.Transform}'");
            if (init.Transform == "transpose" && init.Shape.Length != 2) throw new InvalidDataException($"{path}: {init.Name}: transpose needs a 2-D shape");
            if (init.File.Contains('/') || init.File.Contains('\\')) throw new InvalidDataException($"{path}: {init.Name}: file '{init.File}' must be a plain file name");
        }
        string graph = Path.Combine(folder, (string?)root["graph_file"] ?? "model.onnx");
        return new PeerManifest(folder, graph, config, initializers);
    }

    /// <summary>The HF tensors (name, HF shape) a checkpoint needs to fill this graph.</summary>
    public IEnumerable<(string HfName, long[] Shape)> HfTensors() =>
        Initializers.Select(i => (i.HfName, i.Transform == "transpose" ? new[] { i.Shape[1], i.Shape[0] } : i.Shape))
                    .DistinctBy(t => t.HfName);
}
