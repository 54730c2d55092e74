using System.Buffers.Binary;

namespace DebertaGgml.Convert;

/// <summary>Minimal protobuf wire-format writer (varint, fixed32 float, length-delimited); calls chain.</summary>
internal sealed class ProtobufWriter
{
    private readonly MemoryStream _stream = new();

    public ProtobufWriter WriteVarintField(int field, ulong value)
    {
        WriteVarint((ulong)field << 3);
        WriteVarint(value);
        return this;
    }

    public ProtobufWriter WriteBoolField(int field, bool value) => WriteVarintField(field, value ? 1UL : 0UL);

    /// <summary>int32 fields are written as sign-extended 64-bit varints, as protobuf requires for negatives.</summary>
    public ProtobufWriter WriteInt32Field(int field, int value) => WriteVarintField(field, unchecked((ulong)(long)value));

    public ProtobufWriter WriteFloatField(int field, float value)
    {
        WriteVarint(((ulong)field << 3) | 5);
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(bytes, value);
        _stream.Write(bytes);
        return this;
    }

    public ProtobufWriter WriteBytesField(int field, ReadOnlySpan<byte> value)
    {
        WriteVarint(((ulong)field << 3) | 2);
        WriteVarint((ulong)value.Length);
        _stream.Write(value);
        return this;
    }

    public ProtobufWriter WriteStringField(int field, string value) => WriteBytesField(field, System.Text.Encoding.UTF8.GetBytes(value));

    public ProtobufWriter WriteMessageField(int field, ProtobufWriter message) => WriteBytesField(field, message.ToArray());

    public byte[] ToArray() => _stream.ToArray();

    private void WriteVarint(ulong value)
    {
        while (value >= 0x80)
        {
            _stream.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        _stream.WriteByte((byte)value);
    }
}
