using System.Runtime.InteropServices;
using System.Text;

namespace DebertaGgml.Bench;

/// <summary>
/// A one-node ONNX model, Y[m x n] = X[m x k] * W[k x n] with W a constant initializer (so ONNX Runtime pre-packs
/// it as it does model weights), serialized directly in protobuf wire format: the ORT side of the GEMM microbenchmark.
/// </summary>
public static class OnnxMatMulModel
{
    const int FloatType = 1; // TensorProto.DataType.FLOAT

    public static byte[] Build(int m, int k, int n, float[] weights)
    {
        if (weights.Length != k * n) throw new ArgumentException($"weights has {weights.Length} values, k*n = {k * n}", nameof(weights));
        var node = new Proto().Text(1, "X").Text(1, "W").Text(2, "Y").Text(3, "matmul").Text(4, "MatMul");
        var initializer = new Proto().Int(1, k).Int(1, n).Int(2, FloatType).Text(8, "W").Bytes(9, MemoryMarshal.AsBytes(weights.AsSpan()));
        var graph = new Proto().Message(1, node).Text(2, "gemm").Message(5, initializer)
            .Message(11, ValueInfo("X", m, k)).Message(12, ValueInfo("Y", m, n));
        var opset = new Proto().Text(1, "").Int(2, 17);
        return new Proto().Int(1, 8).Text(2, "DebertaGgml.Bench").Message(7, graph).Message(8, opset).ToArray();
    }

    static Proto ValueInfo(string name, long rows, long cols)
    {
        var shape = new Proto().Message(1, new Proto().Int(1, rows)).Message(1, new Proto().Int(1, cols));
        var tensorType = new Proto().Int(1, FloatType).Message(2, shape);
        return new Proto().Text(1, name).Message(2, new Proto().Message(1, tensorType));
    }

    /// <summary>Protobuf wire-format writer for the few field kinds used here.</summary>
    sealed class Proto
    {
        readonly MemoryStream _buffer = new();

        public Proto Int(int field, long value) { Varint((ulong)field << 3); Varint((ulong)value); return this; }
        public Proto Text(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));
        public Proto Message(int field, Proto value) => Bytes(field, value.ToArray());

        public Proto Bytes(int field, ReadOnlySpan<byte> value)
        {
            Varint(((ulong)field << 3) | 2);
            Varint((ulong)value.Length);
            _buffer.Write(value);
            return this;
        }

        public byte[] ToArray() => _buffer.ToArray();

        void Varint(ulong value)
        {
            while (value >= 0x80) { _buffer.WriteByte((byte)(value | 0x80)); value >>= 7; }
            _buffer.WriteByte((byte)value);
        }
    }
}
