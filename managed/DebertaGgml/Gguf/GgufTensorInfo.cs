namespace DebertaGgml.Gguf;

/// <summary>
/// A tensor entry of a GGUF file. <see cref="Dimensions"/> are in ggml order (innermost first);
/// <see cref="Offset"/> is relative to the start of the data section.
/// </summary>
public sealed record GgufTensorInfo(string Name, long[] Dimensions, GgmlType Type, ulong Offset)
{
    public long ElementCount => Dimensions.Aggregate(1L, (n, d) => n * d);

    public long ByteSize => GgmlTypes.TensorBytes(Type, Dimensions);

    public string ShapeText => $"[{string.Join(", ", Dimensions)}]";
}
