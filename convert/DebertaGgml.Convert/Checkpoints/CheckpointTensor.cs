using DebertaGgml.Gguf;

namespace DebertaGgml.Convert.Checkpoints;

/// <summary>Element types a checkpoint tensor can have; only F32, F16 and BF16 can be converted.</summary>
public enum SourceType
{
    /// <summary>32-bit float.</summary>
    F32,
    /// <summary>IEEE half.</summary>
    F16,
    /// <summary>bfloat16.</summary>
    BF16,
    /// <summary>Any other element type (integer, float64, ...): listed, but not convertible.</summary>
    Unsupported,
}

/// <summary>One tensor of a checkpoint. <see cref="Shape"/> is in PyTorch order (outermost first).</summary>
public sealed record CheckpointTensor(string Name, SourceType Type, long[] Shape, string File, string TypeName)
{
    /// <summary>Product of the dimensions.</summary>
    public long ElementCount => Shape.Aggregate(1L, (n, d) => n * d);

    /// <summary>The shape as "[a, b]" for messages.</summary>
    public string ShapeText => $"[{string.Join(", ", Shape)}]";

    /// <summary>Bytes per element of a convertible source type.</summary>
    public static int ElementBytes(SourceType type) => type == SourceType.F32 ? 4 : 2;

    /// <summary>The GGUF type that stores a convertible source type unchanged.</summary>
    public static GgmlType GgufType(SourceType type) => type switch
    {
        SourceType.F16 => GgmlType.F16,
        SourceType.BF16 => GgmlType.BF16,
        _ => GgmlType.F32,
    };
}

/// <summary>The tensors of a checkpoint (one or more files), streamed one at a time as float32.</summary>
public interface ICheckpoint : IDisposable
{
    /// <summary>Describes the files, e.g. "model.safetensors".</summary>
    string Description { get; }

    /// <summary>Every tensor by its HF name.</summary>
    IReadOnlyDictionary<string, CheckpointTensor> Tensors { get; }

    /// <summary>Starts reading a tensor from its first element.</summary>
    ITensorReader OpenTensor(CheckpointTensor tensor);
}

/// <summary>Sequential float32 reads of one tensor, so a large tensor never has to be in memory at once.</summary>
public interface ITensorReader : IDisposable
{
    /// <summary>Fills <paramref name="destination"/> with the next elements of the tensor.</summary>
    void Read(Span<float> destination);
}
