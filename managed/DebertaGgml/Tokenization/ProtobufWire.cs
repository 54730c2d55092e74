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

    /// <summary>Bytes read so far.</summary>
    public readonly int Position => _position;

    /// <summary>Whether every byte has been read.</summary>
    public readonly bool AtEnd => _position >= _buffer.Length;

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
