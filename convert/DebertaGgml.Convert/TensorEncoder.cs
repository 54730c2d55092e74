using System.Runtime.InteropServices;
using DebertaGgml.Gguf;

namespace DebertaGgml.Convert;

/// <summary>Converts float32 rows to a GGUF storage type.</summary>
public static class TensorEncoder
{
    public static void Encode(GgmlType type, ReadOnlySpan<float> source, long rows, long rowLength, Span<byte> destination)
    {
        if (source.Length != rows * rowLength) throw new ArgumentException($"{source.Length} floats for {rows} x {rowLength}");
        if (destination.Length != GgmlTypes.RowBytes(type, rowLength) * rows) throw new ArgumentException("destination size does not match the type");
        if (type != GgmlType.F32) throw new NotSupportedException($"{GgmlTypes.Name(type)} output needs the native quantizer");
        MemoryMarshal.AsBytes(source).CopyTo(destination);
    }
}
