using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace DebertaGgml.Convert.Checkpoints;

/// <summary>Widening of little-endian F16/BF16/F32 bytes to float32 (exact for all three).</summary>
internal static class SourceConversion
{
    public static void ToFloat32(SourceType type, ReadOnlySpan<byte> source, Span<float> destination)
    {
        switch (type)
        {
            case SourceType.F32:
                MemoryMarshal.Cast<byte, float>(source).CopyTo(destination);
                break;
            case SourceType.F16:
                for (int i = 0; i < destination.Length; i++)
                    destination[i] = (float)BitConverter.UInt16BitsToHalf(BinaryPrimitives.ReadUInt16LittleEndian(source[(2 * i)..]));
                break;
            case SourceType.BF16:
                for (int i = 0; i < destination.Length; i++)
                    destination[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(source[(2 * i)..]) << 16);
                break;
            default:
                throw new NotSupportedException($"tensor element type {type} cannot be converted");
        }
    }
}
