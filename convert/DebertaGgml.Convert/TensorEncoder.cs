using System.Runtime.InteropServices;
using DebertaGgml.Gguf;
using DebertaGgml.Native;

namespace DebertaGgml.Convert;

/// <summary>
/// Converts float32 rows to a GGUF storage type and back. Everything but F32 goes through ggml's own
/// quantize/convert functions (deberta_quantize / deberta_dequantize); large tensors are split into row
/// chunks that run in parallel, since ggml's quantizers are single-threaded.
/// </summary>
public static unsafe class TensorEncoder
{
    private const long ChunkElements = 1 << 20;

    /// <summary>Encodes rows x rowLength floats as <paramref name="type"/> into <paramref name="destination"/>.</summary>
    public static void Encode(GgmlType type, ReadOnlySpan<float> source, long rows, long rowLength, Span<byte> destination)
    {
        if (source.Length != rows * rowLength) throw new ArgumentException($"{source.Length} floats for {rows} x {rowLength}");
        long rowBytes = GgmlTypes.RowBytes(type, rowLength);
        if (destination.Length != rowBytes * rows) throw new ArgumentException($"destination holds {destination.Length} bytes, {rowBytes * rows} needed");
        if (type == GgmlType.F32)
        {
            MemoryMarshal.AsBytes(source).CopyTo(destination);
            return;
        }
        NativeLibraryLoader.EnsureLoaded();
        long rowsPerChunk = Math.Max(1, ChunkElements / rowLength);
        long chunks = (rows + rowsPerChunk - 1) / rowsPerChunk;
        fixed (float* src = source)
        fixed (byte* dst = destination)
        {
            nint srcAddress = (nint)src, dstAddress = (nint)dst;
            Parallel.For(0, chunks, chunk =>
            {
                long first = chunk * rowsPerChunk;
                long count = Math.Min(rowsPerChunk, rows - first);
                nuint written;
                var status = NativeMethods.deberta_quantize((int)type, (float*)srcAddress + first * rowLength,
                    (byte*)dstAddress + first * rowBytes, count, rowLength, (nuint)(count * rowBytes), &written);
                NativeErrors.ThrowIfFailed(status, $"quantizing to {GgmlTypes.Name(type)} failed");
                if ((long)written != count * rowBytes)
                    throw new InvalidOperationException($"ggml wrote {written} bytes of {GgmlTypes.Name(type)}, {count * rowBytes} expected");
            });
        }
    }

    /// <summary>Converts stored tensor bytes of <paramref name="type"/> back to float32.</summary>
    public static void Decode(GgmlType type, ReadOnlySpan<byte> source, Span<float> destination)
    {
        if (type == GgmlType.F32)
        {
            MemoryMarshal.Cast<byte, float>(source).CopyTo(destination);
            return;
        }
        NativeLibraryLoader.EnsureLoaded();
        fixed (byte* src = source)
        fixed (float* dst = destination)
            NativeErrors.ThrowIfFailed(NativeMethods.deberta_dequantize((int)type, src, (nuint)source.Length, dst, destination.Length),
                $"dequantizing {GgmlTypes.Name(type)} failed");
    }
}
