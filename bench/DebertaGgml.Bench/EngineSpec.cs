using DebertaGgml.Gguf;

namespace DebertaGgml.Bench;

/// <summary>Which engine to run: ONNX Runtime fp32, or ours with one of the GGUF storage types.</summary>
public sealed record EngineSpec(GgmlType? Type)
{
    public static EngineSpec Ort { get; } = new((GgmlType?)null);
    public static EngineSpec Ggml(GgmlType type) => new(type);

    public bool IsOrt => Type == null;
    public string Name => Type is GgmlType t ? $"ggml {t.ToString().ToUpperInvariant()}" : "ORT fp32";
    /// <summary>Command-line form for child processes: "ort" or "ggml:Q8_0".</summary>
    public string Token => Type is GgmlType t ? $"ggml:{t}" : "ort";

    public static EngineSpec Parse(string token) =>
        token == "ort" ? Ort
        : token.StartsWith("ggml:") ? Ggml(BenchOptions.ParseType(token["ggml:".Length..]))
        : throw new ArgumentException($"engine '{token}' is not 'ort' or 'ggml:TYPE'");

    public IBenchEngine Create(PreparedModel model, int threads, int maxBatch, int maxTokens) => Type is GgmlType type
        ? new GgmlEngine(model.Gguf[type], Name, threads, maxBatch, maxTokens)
        : new OrtEngine(model.OnnxPath, threads);

    /// <summary>Bytes on disk the engine loads: the GGUF, or the ONNX graph plus its external weight files.</summary>
    public long FileBytes(PreparedModel model) => Type is GgmlType type
        ? new FileInfo(model.Gguf[type]).Length
        : new FileInfo(model.OnnxPath).Length + model.Manifest.Initializers.Sum(i => new FileInfo(Path.Combine(Path.GetDirectoryName(model.OnnxPath)!, i.File)).Length);
}
