using System.Runtime.InteropServices;
using DebertaGgml.Convert;

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
        var node = new ProtobufWriter().WriteStringField(1, "X").WriteStringField(1, "W").WriteStringField(2, "Y")
            .WriteStringField(3, "matmul").WriteStringField(4, "MatMul");
        var initializer = new ProtobufWriter().WriteVarintField(1, (ulong)k).WriteVarintField(1, (ulong)n).WriteVarintField(2, FloatType)
            .WriteStringField(8, "W").WriteBytesField(9, MemoryMarshal.AsBytes(weights.AsSpan()));
        var graph = new ProtobufWriter().WriteMessageField(1, node).WriteStringField(2, "gemm").WriteMessageField(5, initializer)
            .WriteMessageField(11, ValueInfo("X", m, k)).WriteMessageField(12, ValueInfo("Y", m, n));
        var opset = new ProtobufWriter().WriteStringField(1, "").WriteVarintField(2, 17);
        return new ProtobufWriter().WriteVarintField(1, 8).WriteStringField(2, "DebertaGgml.Bench").WriteMessageField(7, graph)
            .WriteMessageField(8, opset).ToArray();
    }

    static ProtobufWriter ValueInfo(string name, int rows, int cols)
    {
        var shape = new ProtobufWriter().WriteMessageField(1, new ProtobufWriter().WriteVarintField(1, (ulong)rows))
            .WriteMessageField(1, new ProtobufWriter().WriteVarintField(1, (ulong)cols));
        var tensorType = new ProtobufWriter().WriteVarintField(1, FloatType).WriteMessageField(2, shape);
        return new ProtobufWriter().WriteStringField(1, name).WriteMessageField(2, new ProtobufWriter().WriteMessageField(1, tensorType));
    }
}
