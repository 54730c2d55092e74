using System.Runtime.InteropServices;
using DebertaGgml.Convert;

namespace DebertaGgml.Bench;

/// <summary>
/// ONNX Runtime's dynamic int8 form of an fp32 ONNX model, made by editing the graph (ORT's quantizer is Python only).
/// Each MatMul whose second input is a constant 2-D weight (an initializer, or a Transpose of one, as in the peer
/// graphs) becomes DynamicQuantizeLinear(x) → MatMulInteger(x_u8, W_s8, x_zero) → Cast(float) → Mul(x_scale · w_scale),
/// with per-output-channel symmetric int8 weights (zero point 0). ORT fuses the chain at ORT_ENABLE_ALL into
/// DynamicQuantizeMatMul; every other node and initializer is kept as it is (external data included).
/// </summary>
public static class OnnxInt8Model
{
    /// <summary>Written beside the fp32 graph, so its external weight files resolve from the same folder.</summary>
    public const string FileName = "model-int8.onnx";
    const string Int8FileSuffix = ".int8.bin";

    const ulong FloatType = 1, Int8Type = 3, IntAttribute = 2;
    // Field numbers of onnx.proto3: ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto, StringStringEntryProto.
    const int ModelGraph = 7;
    const int GraphNode = 1, GraphOutput = 12, GraphInitializer = 5, GraphValueInfo = 13;
    const int NodeInput = 1, NodeOutput = 2, NodeName = 3, NodeOpType = 4, NodeAttribute = 5;
    const int AttributeName = 1, AttributeInt = 3, AttributeInts = 8, AttributeType = 20;
    const int TensorDims = 1, TensorDataType = 2, TensorName = 8, TensorRawData = 9, TensorExternalData = 13, TensorDataLocation = 14;
    const int EntryKey = 1, EntryValue = 2, ValueInfoName = 1;

    /// <summary>
    /// Builds <see cref="FileName"/> and its int8 weight files beside <paramref name="fp32Path"/>, unless it is newer
    /// than the fp32 graph and its weights.
    /// </summary>
    public static string Ensure(string fp32Path)
    {
        string folder = Path.GetDirectoryName(Path.GetFullPath(fp32Path))!;
        string path = Path.Combine(folder, FileName);
        var newestInput = Directory.EnumerateFiles(folder)
            .Where(f => Path.GetFileName(f) != FileName && !f.EndsWith(Int8FileSuffix, StringComparison.Ordinal))
            .Max(File.GetLastWriteTimeUtc);
        if (File.Exists(path) && File.GetLastWriteTimeUtc(path) >= newestInput) return path;
        byte[] model = Quantize(File.ReadAllBytes(fp32Path), folder);
        AtomicFile.Write(path, stream => stream.Write(model));
        return path;
    }

    /// <summary>
    /// The int8 model of <paramref name="fp32Model"/>. External weights are read from <paramref name="externalDataFolder"/>,
    /// and the int8 weights are written there as external data too (one &lt;weight&gt;.int8.bin each): ORT then maps
    /// them as it maps the fp32 files, where inline bytes would be copied out of the parsed graph (xsmall: 260 against
    /// 311 MiB peak RSS).
    /// </summary>
    public static byte[] Quantize(byte[] fp32Model, string externalDataFolder)
    {
        var model = ProtoField.Parse(fp32Model);
        var graph = ProtoField.Parse(model.Single(f => f.Number == ModelGraph).Bytes);
        var initializers = graph.Where(f => f.Number == GraphInitializer).Select(f => ProtoField.Parse(f.Bytes))
                                .ToDictionary(t => Text(t, TensorName));
        var nodes = graph.Where(f => f.Number == GraphNode).Select(f => ProtoField.Parse(f.Bytes)).ToList();
        var producers = new Dictionary<string, List<ProtoField>>();
        foreach (var node in nodes)
            foreach (string output in Texts(node, NodeOutput)) producers[output] = node;

        var quantized = new Dictionary<string, (string Weights, string Scales)>();
        var newInitializers = new List<ProtobufWriter>();
        var newNodes = new List<(byte[] Bytes, List<ProtoField> Fields)>();
        var weightProducers = new HashSet<List<ProtoField>>(ReferenceEqualityComparer.Instance);
        foreach (var node in nodes)
        {
            var inputs = Texts(node, NodeInput);
            if (Text(node, NodeOpType) != "MatMul" || ConstantWeight(inputs[1], initializers, producers) is not { } weight)
            {
                newNodes.Add((Write(node), node));
                continue;
            }
            var (source, transposed, producer) = weight;
            if (producer != null) weightProducers.Add(producer);
            if (!quantized.TryGetValue(source, out var names))
            {
                names = ($"{source}_int8", $"{source}_scale");
                var (weights, scales, dims) = QuantizePerChannel(initializers[source], transposed, externalDataFolder);
                string file = WeightFile(source);
                AtomicFile.Write(Path.Combine(externalDataFolder, file), stream => stream.Write(MemoryMarshal.AsBytes(weights.AsSpan())));
                newInitializers.Add(Tensor(names.Weights, Int8Type, dims).WriteVarintField(TensorDataLocation, 1) // EXTERNAL
                    .WriteMessageField(TensorExternalData, new ProtobufWriter().WriteStringField(EntryKey, "location").WriteStringField(EntryValue, file)));
                newInitializers.Add(Tensor(names.Scales, FloatType, [scales.Length]).WriteBytesField(TensorRawData, MemoryMarshal.AsBytes(scales.AsSpan())));
                quantized[source] = names;
            }
            string y = Texts(node, NodeOutput)[0];
            newNodes.Add(Parsed(Node("DynamicQuantizeLinear", $"{y}_quantize", [inputs[0]], [$"{y}_x_u8", $"{y}_x_scale", $"{y}_x_zero"])));
            newNodes.Add(Parsed(Node("MatMulInteger", $"{y}_matmul_integer", [$"{y}_x_u8", names.Weights, $"{y}_x_zero"], [$"{y}_i32"])));
            newNodes.Add(Parsed(Node("Mul", $"{y}_scale_product", [$"{y}_x_scale", names.Scales], [$"{y}_scale"])));
            newNodes.Add(Parsed(Node("Cast", $"{y}_to_float", [$"{y}_i32"], [$"{y}_f32"],
                              new ProtobufWriter().WriteStringField(AttributeName, "to").WriteVarintField(AttributeInt, FloatType)
                                                  .WriteVarintField(AttributeType, IntAttribute))));
            newNodes.Add(Parsed(Node("Mul", $"{y}_rescale", [$"{y}_f32", $"{y}_scale"], [y])));
        }

        // The Transposes that fed only replaced products, and the fp32 weights nothing reads any more, go.
        var graphOutputs = graph.Where(f => f.Number == GraphOutput).Select(f => Text(ProtoField.Parse(f.Bytes), ValueInfoName));
        var used = newNodes.SelectMany(n => Texts(n.Fields, NodeInput)).Concat(graphOutputs).ToHashSet();
        var dead = new HashSet<List<ProtoField>>(weightProducers.Where(p => Texts(p, NodeOutput).All(o => !used.Contains(o))),
                                                 ReferenceEqualityComparer.Instance);
        newNodes.RemoveAll(n => dead.Contains(n.Fields));
        used = newNodes.SelectMany(n => Texts(n.Fields, NodeInput)).ToHashSet();
        var deadValues = dead.SelectMany(p => Texts(p, NodeOutput)).ToHashSet();

        var graphOut = new ProtobufWriter();
        foreach (var node in newNodes) graphOut.WriteBytesField(GraphNode, node.Bytes);
        foreach (var field in graph)
        {
            if (field.Number == GraphNode) continue;
            if (field.Number == GraphInitializer && Text(ProtoField.Parse(field.Bytes), TensorName) is var name
                && quantized.ContainsKey(name) && !used.Contains(name)) continue;
            if (field.Number == GraphValueInfo && deadValues.Contains(Text(ProtoField.Parse(field.Bytes), ValueInfoName))) continue;
            field.WriteTo(graphOut);
        }
        foreach (var tensor in newInitializers) graphOut.WriteMessageField(GraphInitializer, tensor);

        var modelOut = new ProtobufWriter();
        foreach (var field in model)
            if (field.Number == ModelGraph) modelOut.WriteBytesField(ModelGraph, graphOut.ToArray());
            else field.WriteTo(modelOut);
        return modelOut.ToArray();
    }

    /// <summary>Files an ONNX model reads its external initializers from (paths relative to its folder).</summary>
    public static IEnumerable<string> ExternalDataFiles(string modelPath)
    {
        var graph = ProtoField.Parse(ProtoField.Parse(File.ReadAllBytes(modelPath)).Single(f => f.Number == ModelGraph).Bytes);
        return graph.Where(f => f.Number == GraphInitializer)
                    .Select(f => ExternalData(ProtoField.Parse(f.Bytes)).GetValueOrDefault("location"))
                    .OfType<string>().Distinct();
    }

    /// <summary>
    /// The initializer behind a MatMul's second input when it is a constant 2-D float matrix: the initializer itself
    /// ([K, N]), or one that a Transpose with the default or [1, 0] permutation turns into it ([N, K], transposed).
    /// </summary>
    static (string Source, bool Transposed, List<ProtoField>? Producer)? ConstantWeight(
        string input, Dictionary<string, List<ProtoField>> initializers, Dictionary<string, List<ProtoField>> producers)
    {
        if (IsFloatMatrix(input, initializers)) return (input, false, null);
        if (!producers.TryGetValue(input, out var producer) || Text(producer, NodeOpType) != "Transpose") return null;
        var source = Texts(producer, NodeInput);
        var perm = producer.Where(f => f.Number == NodeAttribute).Select(f => ProtoField.Parse(f.Bytes))
                           .Where(a => Text(a, AttributeName) == "perm").Select(a => ProtoField.Int64s(a, AttributeInts).ToArray())
                           .FirstOrDefault();
        bool swaps = perm == null || perm.SequenceEqual([1L, 0L]);
        return source.Count == 1 && swaps && IsFloatMatrix(source[0], initializers) ? (source[0], true, producer) : null;
    }

    static bool IsFloatMatrix(string name, Dictionary<string, List<ProtoField>> initializers) =>
        initializers.TryGetValue(name, out var tensor) && ProtoField.Int64s(tensor, TensorDims).Count() == 2
        && tensor.Any(f => f.Number == TensorDataType && f.Value == FloatType);

    /// <summary>
    /// Symmetric int8 per output channel n of B[K, N]: scale_n = max_k |B[k, n]| / 127, q = round(B / scale_n).
    /// Returns q as [K, N], the scales and the dims.
    /// </summary>
    static (sbyte[] Weights, float[] Scales, long[] Dims) QuantizePerChannel(List<ProtoField> tensor, bool transposed, string folder)
    {
        var dims = ProtoField.Int64s(tensor, TensorDims).ToArray();
        int rows = (int)dims[0], cols = (int)dims[1];
        var source = ReadFloats(tensor, folder, (long)rows * cols);
        int k = transposed ? cols : rows, n = transposed ? rows : cols;
        float At(int kk, int nn) => transposed ? source[(long)nn * cols + kk] : source[(long)kk * cols + nn];
        var scales = new float[n];
        for (int c = 0; c < n; c++)
        {
            float max = 0;
            for (int r = 0; r < k; r++) max = Math.Max(max, Math.Abs(At(r, c)));
            scales[c] = max > 0 ? max / 127 : 1;
        }
        var weights = new sbyte[(long)k * n];
        for (int r = 0; r < k; r++)
            for (int c = 0; c < n; c++)
                weights[(long)r * n + c] = (sbyte)Math.Clamp(MathF.Round(At(r, c) / scales[c]), -127, 127);
        return (weights, scales, [k, n]);
    }

    static float[] ReadFloats(List<ProtoField> tensor, string folder, long count)
    {
        var values = new float[count];
        var bytes = MemoryMarshal.AsBytes(values.AsSpan());
        var raw = tensor.Where(f => f.Number == TensorRawData).Select(f => f.Bytes).FirstOrDefault();
        var external = ExternalData(tensor);
        if (external.TryGetValue("location", out string? location))
        {
            using var file = File.OpenRead(Path.Combine(folder, location));
            file.Position = external.TryGetValue("offset", out string? offset) ? long.Parse(offset) : 0;
            file.ReadExactly(bytes);
        }
        else if (raw.Length == bytes.Length) raw.Span.CopyTo(bytes);
        else throw new InvalidDataException($"initializer '{Text(tensor, TensorName)}': only raw_data and external data are supported");
        return values;
    }

    static Dictionary<string, string> ExternalData(List<ProtoField> tensor) =>
        tensor.Where(f => f.Number == TensorExternalData).Select(f => ProtoField.Parse(f.Bytes))
              .ToDictionary(e => Text(e, EntryKey), e => Text(e, EntryValue));

    /// <summary>The peer graphs' rule for external files: characters outside [A-Za-z0-9._-] become '_'.</summary>
    static string WeightFile(string weight) =>
        string.Concat(weight.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '_')) + Int8FileSuffix;

    static ProtobufWriter Tensor(string name, ulong dataType, long[] dims)
    {
        var tensor = new ProtobufWriter();
        foreach (long d in dims) tensor.WriteVarintField(TensorDims, (ulong)d);
        return tensor.WriteVarintField(TensorDataType, dataType).WriteStringField(TensorName, name);
    }

    static byte[] Node(string op, string name, string[] inputs, string[] outputs, ProtobufWriter? attribute = null)
    {
        var node = new ProtobufWriter();
        foreach (string i in inputs) node.WriteStringField(NodeInput, i);
        foreach (string o in outputs) node.WriteStringField(NodeOutput, o);
        node.WriteStringField(NodeName, name).WriteStringField(NodeOpType, op);
        if (attribute != null) node.WriteMessageField(NodeAttribute, attribute);
        return node.ToArray();
    }

    static (byte[], List<ProtoField>) Parsed(byte[] node) => (node, ProtoField.Parse(node));

    static byte[] Write(List<ProtoField> fields)
    {
        var writer = new ProtobufWriter();
        foreach (var field in fields) field.WriteTo(writer);
        return writer.ToArray();
    }

    static string Text(List<ProtoField> fields, int number) => fields.FirstOrDefault(f => f.Number == number).Text;
    static List<string> Texts(List<ProtoField> fields, int number) => fields.Where(f => f.Number == number).Select(f => f.Text).ToList();
}
