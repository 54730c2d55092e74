using System.Runtime.InteropServices;
using DebertaGgml.Bench;
using DebertaGgml.Convert;
using Microsoft.ML.OnnxRuntime;

namespace DebertaGgml.Tests.Bench;

/// <summary>
/// The ORT int8 peer's graph edit on a tiny two-product model: one weight behind a Transpose (the peer graphs' nn.Linear
/// form, stored inline) and one used directly (stored as external data), checked against the fp32 model in ORT.
/// </summary>
public sealed class OnnxInt8ModelTests : IDisposable
{
    const int Batch = 2, Tokens = 5, In = 64, Hidden = 32, Out = 8;
    readonly string _dir = Directory.CreateTempSubdirectory("deberta-bench-int8-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static float[] Random(int count, int seed, double scale)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)((rng.NextDouble() * 2 - 1) * scale)).ToArray();
    }

    /// <summary>Y = (X · W1ᵀ + b1) · W2 with W1 [Hidden, In] (HF layout) through a Transpose and W2 [Hidden, Out] in w2.bin.</summary>
    string WriteFp32Model()
    {
        File.WriteAllBytes(Path.Combine(_dir, "w2.bin"), MemoryMarshal.AsBytes(Random(Hidden * Out, 2, 0.3).AsSpan()).ToArray());
        var w1 = Tensor("w1", [Hidden, In]).WriteBytesField(9, MemoryMarshal.AsBytes(Random(Hidden * In, 1, 0.2).AsSpan()));
        var b1 = Tensor("b1", [Hidden]).WriteBytesField(9, MemoryMarshal.AsBytes(Random(Hidden, 3, 0.1).AsSpan()));
        var w2 = Tensor("w2", [Hidden, Out]).WriteVarintField(14, 1) // data_location = EXTERNAL
            .WriteMessageField(13, new ProtobufWriter().WriteStringField(1, "location").WriteStringField(2, "w2.bin"));
        var graph = new ProtobufWriter()
            .WriteMessageField(1, Node("Transpose", ["w1"], ["w1_t"]))
            .WriteMessageField(1, Node("MatMul", ["x", "w1_t"], ["h0"]))
            .WriteMessageField(1, Node("Add", ["h0", "b1"], ["h"]))
            .WriteMessageField(1, Node("MatMul", ["h", "w2"], ["y"]))
            .WriteStringField(2, "tiny").WriteMessageField(5, w1).WriteMessageField(5, b1).WriteMessageField(5, w2)
            .WriteMessageField(11, ValueInfo("x", [Batch, Tokens, In])).WriteMessageField(12, ValueInfo("y", [Batch, Tokens, Out]));
        byte[] model = new ProtobufWriter().WriteVarintField(1, 8).WriteMessageField(7, graph)
            .WriteMessageField(8, new ProtobufWriter().WriteStringField(1, "").WriteVarintField(2, 17)).ToArray();
        string path = Path.Combine(_dir, "model.onnx");
        File.WriteAllBytes(path, model);
        return path;
    }

    // Field numbers of onnx.proto3 (TensorProto, NodeProto, ValueInfoProto/TypeProto/TensorShapeProto).
    static ProtobufWriter Tensor(string name, int[] dims)
    {
        var tensor = new ProtobufWriter();
        foreach (int d in dims) tensor.WriteVarintField(1, (ulong)d);
        return tensor.WriteVarintField(2, 1).WriteStringField(8, name);
    }

    static ProtobufWriter Node(string op, string[] inputs, string[] outputs)
    {
        var node = new ProtobufWriter();
        foreach (string i in inputs) node.WriteStringField(1, i);
        foreach (string o in outputs) node.WriteStringField(2, o);
        return node.WriteStringField(3, outputs[0] + "_node").WriteStringField(4, op);
    }

    static ProtobufWriter ValueInfo(string name, int[] dims)
    {
        var shape = new ProtobufWriter();
        foreach (int d in dims) shape.WriteMessageField(1, new ProtobufWriter().WriteVarintField(1, (ulong)d));
        var tensorType = new ProtobufWriter().WriteVarintField(1, 1).WriteMessageField(2, shape);
        return new ProtobufWriter().WriteStringField(1, name).WriteMessageField(2, new ProtobufWriter().WriteMessageField(1, tensorType));
    }

    static float[] Run(string modelPath, float[] x, string? optimizedPath = null)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, IntraOpNumThreads = 1 };
        if (optimizedPath != null) options.OptimizedModelFilePath = optimizedPath;
        using var session = new InferenceSession(modelPath, options);
        using var input = OrtValue.CreateTensorValueFromMemory(x, [Batch, Tokens, In]);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, ["x"], [input], ["y"]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    static List<string> OpTypes(byte[] model)
    {
        var graph = ProtoField.Parse(ProtoField.Parse(model).Single(f => f.Number == 7).Bytes);
        return graph.Where(f => f.Number == 1).Select(f => ProtoField.Parse(f.Bytes).Single(n => n.Number == 4).Text).ToList();
    }

    [Fact]
    public void Int8_model_agrees_with_fp32_within_quantization_error_and_ORT_fuses_its_products()
    {
        string fp32Path = WriteFp32Model();
        byte[] int8 = OnnxInt8Model.Quantize(File.ReadAllBytes(fp32Path), _dir);
        string int8Path = Path.Combine(_dir, OnnxInt8Model.FileName);
        File.WriteAllBytes(int8Path, int8);
        var x = Random(Batch * Tokens * In, 4, 1.0);

        var expected = Run(fp32Path, x);
        string optimized = Path.Combine(_dir, "optimized.onnx");
        var actual = Run(int8Path, x, optimized);

        double scale = expected.Max(v => Math.Abs(v));
        double error = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        Assert.True(scale > 0.1, $"degenerate outputs (max |y| {scale})");
        // 8-bit activations and weights: about 1 % of the output range; exactly 0 would mean nothing was quantized.
        Assert.InRange(error, 1e-6, 0.02 * scale);

        var ops = OpTypes(int8);
        Assert.Equal(2, ops.Count(o => o == "MatMulInteger"));
        Assert.Equal(2, ops.Count(o => o == "DynamicQuantizeLinear"));
        Assert.DoesNotContain("MatMul", ops);
        Assert.DoesNotContain("Transpose", ops); // it fed only the replaced product
        Assert.Equal(["w2.bin"], OnnxInt8Model.ExternalDataFiles(fp32Path));
        Assert.Equal(["w1.int8.bin", "w2.int8.bin"], OnnxInt8Model.ExternalDataFiles(int8Path).Order()); // no fp32 weight file
        Assert.Equal(2, OpTypes(File.ReadAllBytes(optimized)).Count(o => o == "DynamicQuantizeMatMul"));
    }
}
