using DebertaGgml.Gguf;

namespace DebertaGgml.Bench;

/// <summary>Which engine to run: ONNX Runtime on the fp32 graph or on its dynamic int8 form, or ours with one of the GGUF storage types.</summary>
public sealed record EngineSpec(GgmlType? Type, bool Int8 = false)
{
    public static EngineSpec Ort { get; } = new((GgmlType?)null);
    /// <summary>ORT on <see cref="OnnxInt8Model"/>'s graph: the int8 peer of our quantized types.</summary>
    public static EngineSpec OrtInt8 { get; } = new((GgmlType?)null, Int8: true);
    public static EngineSpec Ggml(GgmlType type) => new(type);

    public string Name => Type is GgmlType t ? $"ggml {t.ToString().ToUpperInvariant()}" : Int8 ? "ORT int8" : "ORT fp32";
    /// <summary>Command-line form for child processes: "ort", "ort-int8" or "ggml:Q8_0".</summary>
    public string Token => Type is GgmlType t ? $"ggml:{t}" : Int8 ? "ort-int8" : "ort";

    public static EngineSpec Parse(string token) =>
        token == "ort" ? Ort
        : token == "ort-int8" ? OrtInt8
        : token.StartsWith("ggml:") ? Ggml(BenchOptions.ParseType(token["ggml:".Length..]))
        : throw new ArgumentException($"engine '{token}' is not 'ort', 'ort-int8' or 'ggml:TYPE'");

    public IBenchEngine Create(PreparedModel model, int threads, int maxBatch, int maxTokens) => Type is GgmlType type
        ? new GgmlEngine(model.Gguf[type], Name, threads, maxBatch, maxTokens)
        : new OrtEngine(OnnxPath(model), Name, threads);

    /// <summary>Bytes on disk the engine loads: the GGUF, or the ONNX graph plus the external weight files it names.</summary>
    public long FileBytes(PreparedModel model)
    {
        if (Type is GgmlType type) return new FileInfo(model.Gguf[type]).Length;
        string graph = OnnxPath(model);
        return new FileInfo(graph).Length + OnnxInt8Model.ExternalDataFiles(graph).Sum(f => new FileInfo(Path.Combine(Path.GetDirectoryName(graph)!, f)).Length);
    }

    string OnnxPath(PreparedModel model) => Int8 ? model.OnnxInt8Path : model.OnnxPath;
}
