namespace DebertaGgml.Convert.Checkpoints;

/// <summary>Element types a checkpoint tensor can have; only F32, F16 and BF16 can be converted.</summary>
public enum SourceType
{
    F32,
    F16,
    BF16,
    Unsupported,
}

/// <summary>One tensor of a checkpoint. <see cref="Shape"/> is in PyTorch order (outermost first).</summary>
public sealed record CheckpointTensor(string Name, SourceType Type, long[] Shape, string File, string TypeName)
{
    public long ElementCount => Shape.Aggregate(1L, (n, d) => n * d);

    public string ShapeText => $"[{string.Join(", ", Shape)}]";

    public static int ElementBytes(SourceType type) => type == SourceType.F32 ? 4 : 2;
}

/// <summary>The tensors of a checkpoint (one or more files), streamed one at a time as float32.</summary>
public interface ICheckpoint : IDisposable
{
    /// <summary>Describes the files, e.g. "model.safetensors".</summary>
    string Description { get; }

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
