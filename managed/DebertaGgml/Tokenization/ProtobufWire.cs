using System.Buffers.Binary;
using System.Text;

namespace DebertaGgml.Tokenization;

/// <summary>
/// Minimal protobuf wire-format reader for the few SentencePiece ModelProto fields we need.
/// Unknown fields are skipped; a malformed buffer throws <see cref="InvalidDataException"/>.
/// </summary>
internal ref struct ProtobufReader
{
    private readonly ReadOnlySpan<byte> _buffer;
    private int _position;

    public ProtobufReader(ReadOnlySpan<byte> buffer)
    {
        _buffer = buffer;
        _position = 0;
    }

    public bool TryReadTag(out int field, out int wireType)
    {
        if (_position >= _buffer.Length)
        {
            field = 0;
            wireType = 0;
            return false;
        }
        ulong key = ReadVarint();
        field = (int)(key >> 3);
        wireType = (int)(key & 7);
        if (field <= 0) throw new InvalidDataException($"invalid protobuf field number {field} at byte {_position}");
        return true;
    }

    public ulong ReadVarint()
    {
        ulong result = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (_position >= _buffer.Length) throw new InvalidDataException("truncated protobuf varint");
            byte b = _buffer[_position++];
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return result;
        }
        throw new InvalidDataException("protobuf varint longer than 10 bytes");
    }

    public ReadOnlySpan<byte> ReadLengthDelimited()
    {
        ulong length = ReadVarint();
        if (length > (ulong)(_buffer.Length - _position)) throw new InvalidDataException("protobuf length-delimited field runs past the end of the buffer");
        var slice = _buffer.Slice(_position, (int)length);
        _position += (int)length;
        return slice;
    }

    public string ReadString() => System.Text.Encoding.UTF8.GetString(ReadLengthDelimited());

    public float ReadFixed32Float()
    {
        if (_position + 4 > _buffer.Length) throw new InvalidDataException("truncated protobuf fixed32");
        float value = BinaryPrimitives.ReadSingleLittleEndian(_buffer.Slice(_position, 4));
        _position += 4;
        return value;
    }

    public void Skip(int wireType)
    {
        switch (wireType)
        {
            case 0: ReadVarint(); break;
            case 1: Advance(8); break;
            case 2: ReadLengthDelimited(); break;
            case 5: Advance(4); break;
            default: throw new InvalidDataException($"unsupported protobuf wire type {wireType}");
        }
    }

    private void Advance(int count)
    {
        if (_position + count > _buffer.Length) throw new InvalidDataException("truncated protobuf field");
        _position += count;
    }
}

/// <summary>Minimal protobuf wire-format writer (varint, fixed32 float, length-delimited).</summary>
internal sealed class ProtobufWriter
{
    private readonly MemoryStream _stream = new();

    public void WriteVarintField(int field, ulong value)
    {
        WriteVarint((ulong)field << 3);
        WriteVarint(value);
    }

    public void WriteBoolField(int field, bool value) => WriteVarintField(field, value ? 1UL : 0UL);

    /// <summary>int32 fields are written as sign-extended 64-bit varints, as protobuf requires for negatives.</summary>
    public void WriteInt32Field(int field, int value) => WriteVarintField(field, unchecked((ulong)(long)value));

    public void WriteFloatField(int field, float value)
    {
        WriteVarint(((ulong)field << 3) | 5);
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(bytes, value);
        _stream.Write(bytes);
    }

    public void WriteBytesField(int field, ReadOnlySpan<byte> value)
    {
        WriteVarint(((ulong)field << 3) | 2);
        WriteVarint((ulong)value.Length);
        _stream.Write(value);
    }

    public void WriteStringField(int field, string value) => WriteBytesField(field, System.Text.Encoding.UTF8.GetBytes(value));

    public void WriteMessageField(int field, ProtobufWriter message) => WriteBytesField(field, message.ToArray());

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
