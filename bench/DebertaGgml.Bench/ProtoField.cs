using System.Buffers.Binary;
using System.Text;
using DebertaGgml.Convert;
using DebertaGgml.Tokenization;

namespace DebertaGgml.Bench;

/// <summary>
/// One field of a protobuf message, kept as it is on the wire so a message can be edited and written back: the value
/// of a varint, or the bytes of a fixed-size or length-delimited field, read with the tokenizer's ProtobufReader (which
/// reads spans forward; an ONNX graph edit needs the fields as values).
/// </summary>
internal readonly record struct ProtoField(int Number, int WireType, ulong Value, ReadOnlyMemory<byte> Bytes)
{
    public const int VarintType = 0, Fixed64Type = 1, LengthType = 2, Fixed32Type = 5;

    public string Text => Encoding.UTF8.GetString(Bytes.Span);

    /// <summary>The fields of a message in wire order (enough of the format for ONNX's ModelProto).</summary>
    public static List<ProtoField> Parse(ReadOnlyMemory<byte> message)
    {
        var fields = new List<ProtoField>();
        var reader = new ProtobufReader(message.Span);
        while (reader.TryReadTag(out int number, out int wire))
        {
            switch (wire)
            {
                case VarintType:
                    fields.Add(new(number, wire, reader.ReadVarint(), default));
                    break;
                case LengthType:
                    int length = reader.ReadLengthDelimited().Length;
                    fields.Add(new(number, wire, 0, message.Slice(reader.Position - length, length)));
                    break;
                case Fixed64Type or Fixed32Type:
                    int start = reader.Position;
                    reader.Skip(wire);
                    fields.Add(new(number, wire, 0, message.Slice(start, reader.Position - start)));
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
    public static List<long> Int64s(IEnumerable<ProtoField> fields, int number)
    {
        var values = new List<long>();
        foreach (var field in fields.Where(f => f.Number == number))
        {
            if (field.WireType == VarintType)
            {
                values.Add((long)field.Value);
                continue;
            }
            var reader = new ProtobufReader(field.Bytes.Span);
            while (!reader.AtEnd) values.Add((long)reader.ReadVarint());
        }
        return values;
    }
}
