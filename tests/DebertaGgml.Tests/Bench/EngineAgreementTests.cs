using DebertaGgml.Bench;
using DebertaGgml.Gguf;

namespace DebertaGgml.Tests.Bench;

/// <summary>
/// Our engine against ONNX Runtime on the same synthetic deberta-v3-xsmall weights (generated once into
/// artifacts/bench/xsmall and reused): the harness's precondition for timing anything.
/// </summary>
public sealed class EngineAgreementTests
{
    [Fact]
    public void Ggml_F32_logits_match_OnnxRuntime_within_1e3_on_xsmall_dimensions()
    {
        var options = new BenchOptions { Models = ["xsmall"], Types = [GgmlType.F32] };

        var report = new BenchRunner(options, TextWriter.Null).Run(BenchStages.Agreement, "test");

        var result = Assert.Single(report.Agreement);
        Assert.Equal("ggml F32", result.Engine);
        Assert.True(result.MaxAbsLogit > 0.05, $"logits are degenerate (max |logit| {result.MaxAbsLogit}), the comparison would prove nothing");
        Assert.True(result.MaxAbsDiff <= 1e-3, $"max |logit diff| {result.MaxAbsDiff:E2} > 1e-3");
    }
}
