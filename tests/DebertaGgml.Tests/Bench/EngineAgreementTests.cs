using DebertaGgml.Bench;
using DebertaGgml.Gguf;

namespace DebertaGgml.Tests.Bench;

/// <summary>
/// Our engine and ORT int8 against ONNX Runtime fp32 on the same synthetic deberta-v3-xsmall weights (generated once into
/// artifacts/bench/xsmall and reused): the harness's precondition for timing anything.
/// </summary>
public sealed class EngineAgreementTests
{
    [Fact]
    public void Ggml_F32_matches_OnnxRuntime_within_1e3_and_ORT_int8_within_its_quantization_error_on_xsmall()
    {
        var options = new BenchOptions { Models = ["xsmall"], Types = [GgmlType.F32] };

        var report = new BenchRunner(options, TextWriter.Null).Run(BenchStages.Agreement, "test");

        Assert.Equal(["ggml F32", "ORT int8"], report.Agreement.Select(a => a.Engine));
        var f32 = report.Agreement[0];
        Assert.True(f32.MaxAbsLogit > 0.05, $"logits are degenerate (max |logit| {f32.MaxAbsLogit}), the comparison would prove nothing");
        Assert.True(f32.MaxAbsDiff <= 1e-3, $"max |logit diff| {f32.MaxAbsDiff:E2} > 1e-3");
        // Dynamic int8 products: a few % of the logit range (2.4 % when written); 0 would mean nothing was quantized.
        var int8 = report.Agreement[1];
        Assert.InRange(int8.MaxAbsDiff, 1e-4, 0.1 * int8.MaxAbsLogit);
    }
}
