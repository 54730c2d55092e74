using Microsoft.ML.OnnxRuntime;

namespace DebertaGgml.Bench;

/// <summary>ONNX Runtime CPU on the peer graph (fp32, or its int8 form): full graph optimization, intra-op threads as configured.</summary>
public sealed class OrtEngine : IBenchEngine
{
    readonly InferenceSession _session;
    readonly RunOptions _runOptions = new();

    public string Name { get; }

    /// <param name="modelPath">model.onnx with its .bin files beside it (loaded by path so ORT finds external data).</param>
    public OrtEngine(string modelPath, string name, int threads)
    {
        Name = name;
        using var options = new SessionOptions
        {
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        _session = new InferenceSession(modelPath, options);
    }

    public float[] Run(BenchInput input)
    {
        long[] shape = [input.Batch, input.Tokens];
        using var ids = OrtValue.CreateTensorValueFromMemory(Array.ConvertAll(input.InputIds, v => (long)v), shape);
        using var mask = OrtValue.CreateTensorValueFromMemory(Array.ConvertAll(input.AttentionMask, v => (long)v), shape);
        using var outputs = _session.Run(_runOptions, ["input_ids", "attention_mask"], [ids, mask], ["logits"]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    public void Dispose()
    {
        _runOptions.Dispose();
        _session.Dispose();
    }
}
