using System.Buffers.Binary;
using System.Text;
using DebertaGgml.Convert;

namespace DebertaGgml.Bench;

/// <summary>
/// One field of a protobuf message, kept as it is on the wire so a message can be edited and written back: the value
/// of a varint, or the bytes of a fixed-size or length-delimited field. (The tokenizer's ProtobufReader only reads
/// spans forward; an ONNX graph edit needs the fields as values.)
/// </summary>
internal readonly record struct ProtoField(int Number, int WireType, ulong Value, ReadOnlyMemory<byte> Bytes)
{
    public const int VarintType = 0, Fixed64Type = 1, LengthType = 2, Fixed32Type = 5;

    public string Text => Encoding.UTF8.GetString(Bytes.Span);

    /// <summary>The fields of a message in wire order (enough of the format for ONNX's ModelProto).</summary>
    public static List<ProtoField> Parse(ReadOnlyMemory<byte> message)
    {
        var fields = new List<ProtoField>();
        var span = message.Span;
        int position = 0;
        while (position < span.Length)
        {
            ulong tag = ReadVarint(span, ref position);
            int number = (int)(tag >> 3), wire = (int)(tag & 7);
            switch (wire)
            {
                case VarintType:
                    fields.Add(new(number, wire, ReadVarint(span, ref position), default));
                    break;
                case Fixed64Type or Fixed32Type:
                    int size = wire == Fixed64Type ? 8 : 4;
                    if (position + size > span.Length) throw new InvalidDataException("protobuf: truncated fixed field");
                    fields.Add(new(number, wire, 0, message.Slice(position, size)));
                    position += size;
                    break;
                case LengthType:
                    ulong length = ReadVarint(span, ref position);
                    if (length > (ulong)(span.Length - position)) throw new InvalidDataException("protobuf: field runs past the message");
                    fields.Add(new(number, wire, 0, message.Slice(position, (int)length)));
                    position += (int)length;
                    break;
                default:
                    throw new InvalidDataException($"protobuf: unsupported wire type {wire} (field {number})");
            }
        }
        return fields;
    }

    /// <summary>Writes the field back unchanged.</summary>
    public void WriteTo(ProtobufWriter writer)
    {
        switch (WireType)
        {
            case VarintType: writer.WriteVarintField(Number, Value); break;
            case LengthType: writer.WriteBytesField(Number, Bytes.Span); break;
            case Fixed32Type: writer.WriteFloatField(Number, BinaryPrimitives.ReadSingleLittleEndian(Bytes.Span)); break;
            default: throw new InvalidDataException($"protobuf: cannot write back fixed64 field {Number}");
        }
    }

    /// <summary>A repeated int64 field's values, packed or not.</summary>
    public static IEnumerable<long> Int64s(IEnumerable<ProtoField> fields, int number)
    {
        foreach (var field in fields.Where(f => f.Number == number))
        {
            if (field.WireType == VarintType) { yield return (long)field.Value; continue; }
            int position = 0;
            var bytes = field.Bytes.ToArray();
            while (position < bytes.Length) yield return (long)ReadVarint(bytes, ref position);
        }
    }

    static ulong ReadVarint(ReadOnlySpan<byte> span, ref int position)
    {
        ulong value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (position >= span.Length) throw new InvalidDataException("protobuf: truncated varint");
            byte b = span[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return value;
        }
        throw new InvalidDataException("protobuf: varint longer than 10 bytes");
    }
}
