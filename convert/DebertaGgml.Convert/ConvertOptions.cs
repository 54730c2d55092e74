using DebertaGgml.Gguf;

namespace DebertaGgml.Convert;

/// <summary>How to convert. <see cref="Type"/> applies to weight matrices; vectors (norms, biases) always stay F32.</summary>
public sealed record ConvertOptions
{
    /// <summary>Storage type of the weight matrices (norms and biases stay F32).</summary>
    public GgmlType Type { get; init; } = GgmlType.F32;
    /// <summary>Type of the embedding tables, when they should keep more precision than <see cref="Type"/>.</summary>
    public GgmlType? EmbeddingType { get; init; }
    /// <summary>
    /// Type of the task head matrices, when they should keep more precision than <see cref="Type"/>. Unset: <see cref="Type"/>,
    /// except that BF16 keeps the head at the source's type when that is F32 or F16 (<see cref="TypePolicy.DefaultHeadType"/>).
    /// </summary>
    public GgmlType? HeadType { get; init; }
    /// <summary>general.name; defaults to the checkpoint folder's name.</summary>
    public string? Name { get; init; }
    /// <summary>Weights file to read instead of the first found (model.safetensors, index, pytorch_model.bin).</summary>
    public string? WeightsFile { get; init; }
    /// <summary>Receives one report per tensor written; null for none.</summary>
    public IProgress<ConvertProgress>? Progress { get; init; }
}

/// <summary>Reported after each tensor is written.</summary>
public sealed record ConvertProgress(int Done, int Total, string TensorName);

/// <summary>
/// What a conversion produced: <see cref="InputBytes"/> counts the source tensors' bytes, <see cref="OutputBytes"/> the
/// written file; <see cref="Fallbacks"/> lists the tensors written at another type than the one asked for.
/// </summary>
public sealed record ConvertResult(
    string OutputPath,
    int TensorCount,
    IReadOnlyDictionary<GgmlType, int> TensorsByType,
    long InputBytes,
    long OutputBytes,
    IReadOnlyList<string> Warnings,
    IReadOnlyList<TypeFallback> Fallbacks);

/// <summary>A tensor written at <see cref="Written"/> instead of <see cref="Wanted"/>, and why.</summary>
public sealed record TypeFallback(string Tensor, GgmlType Wanted, GgmlType Written, string Reason);
