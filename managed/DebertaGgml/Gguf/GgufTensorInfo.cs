namespace DebertaGgml.Gguf;

/// <summary>
/// A tensor entry of a GGUF file. <see cref="Dimensions"/> are in ggml order (innermost first);
/// <see cref="Offset"/> is relative to the start of the data section.
/// </summary>
public sealed record GgufTensorInfo(string Name, long[] Dimensions, GgmlType Type, ulong Offset)
{
    /// <summary>Product of the dimensions.</summary>
    public long ElementCount => Dimensions.Aggregate(1L, (n, d) => n * d);

    /// <summary>Bytes of the tensor's data.</summary>
    public long ByteSize => GgmlTypes.TensorBytes(Type, Dimensions);

    /// <summary>The dimensions as "[a, b]" for messages.</summary>
    public string ShapeText => $"[{string.Join(", ", Dimensions)}]";
}
