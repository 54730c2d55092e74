using DebertaGgml.Gguf;
using DebertaGgml.Tests.TestSupport;

namespace DebertaGgml.Tests.Graph;

/// <summary>Every fixture (config x head x batch) against HF's fp64 outputs, at real tokens.</summary>
public class ForwardReferenceTests
{
    // docs/graph.md: F32 weights 1e-4 (2e-4 for masked-LM logits, summed over a larger vocabulary).
    const double F32Tolerance = 1e-4, F32MlmTolerance = 2e-4;
    // docs/graph.md "Half-precision weights": F16/BF16 round the weights and (in ggml's kernels) every matmul's activations,
    // so the error scales with the unit roundoff u (2^-11, 2^-8): measured <= 8u (hidden, logits) and 20u (MLM logits);
    // bounds 20u / 40u. Our F16 kernel keeps the activations F32 and stays below ggml's figures.
    const double F16Roundoff = 1.0 / 2048, Bf16Roundoff = 1.0 / 256;

    public static TheoryData<string> Fixtures => new(FixtureRef.Names);

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void F32_weights_reproduce_the_reference(string fixture) =>
        CheckFixture(fixture, GgmlType.F32, F32Tolerance, F32MlmTolerance);

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void F16_weights_stay_within_the_half_precision_bound(string fixture) =>
        CheckFixture(fixture, GgmlType.F16, 20 * F16Roundoff, 40 * F16Roundoff);

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Bf16_weights_stay_within_the_bfloat16_bound(string fixture) =>
        CheckFixture(fixture, GgmlType.BF16, 20 * Bf16Roundoff, 40 * Bf16Roundoff);

    static void CheckFixture(string fixture, GgmlType type, double tolerance, double mlmTolerance)
    {
        var reference = FixtureRef.Load(fixture);
        using var model = new NativeModel(ConvertedModels.Get(fixture, type));
        Assert.Equal(reference.Layers, model.Info.num_hidden_layers);
        int h = reference.Hidden;
        foreach (var batch in reference.Batches)
        {
            var fp64 = batch.Fp64;
            bool all = fp64.TryGet("hidden_states", out var hidden);
            var result = model.Eval(batch, allHidden: all);
            string where = $"{fixture} {type} {batch.Name}";
            if (all)
            {
                Assert.Equal(reference.Layers + 1, hidden.Length);
                long layerSize = (long)batch.Sequences * batch.T * h;
                for (int l = 0; l < hidden.Length; l++)
                    AssertWithin(Compare.AtRealTokens(hidden[l].Flat(), result.AllHidden!, batch.AttentionMask, h, l * layerSize),
                        tolerance, $"{where} hidden_states[{l}]");
                // The last-hidden-state output is the same tensor as the last entry.
                AssertWithin(Compare.AtRealTokens(hidden[^1].Flat(), result.LastHidden, batch.AttentionMask, h), tolerance, where);
            }
            else
            {
                AssertWithin(Compare.AtRealTokens(fp64.Flat("last_hidden_state"), result.LastHidden,
                    batch.AttentionMask, h), tolerance, $"{where} last_hidden_state");
            }
            CheckHead(reference, batch, result, tolerance, mlmTolerance, where);
        }
    }

    static void CheckHead(FixtureRef reference, RefBatch batch, EvalResult result, double tolerance, double mlmTolerance, string where)
    {
        var fp64 = batch.Fp64;
        switch (reference.Head)
        {
            case "SequenceClassification" or "MultipleChoice":
                AssertWithin(Compare.All(fp64.Flat("logits"), result.Logits!), tolerance, $"{where} logits");
                break;
            case "TokenClassification":
            {
                var expected = fp64.Flat("logits");
                AssertWithin(Compare.AtRealTokens(expected, result.Logits!, batch.AttentionMask, expected.Length / batch.AttentionMask.Length),
                    tolerance, $"{where} logits");
                break;
            }
            case "QuestionAnswering":
                AssertWithin(Compare.AtRealTokens(fp64.Flat("start_logits"), result.Start!, batch.AttentionMask, 1),
                    tolerance, $"{where} start_logits");
                AssertWithin(Compare.AtRealTokens(fp64.Flat("end_logits"), result.End!, batch.AttentionMask, 1),
                    tolerance, $"{where} end_logits");
                break;
            case "MaskedLM":
            {
                var rows = fp64.Rows("logits_rows");
                var positions = batch.LogitsRows;
                Assert.Equal(rows.Length, positions.Length);
                for (int r = 0; r < rows.Length; r++)
                {
                    var (b, t) = positions[r];
                    var row = rows[r];
                    long offset = ((long)b * batch.T + t) * reference.Vocab;
                    double worst = row.Select((e, k) => Math.Abs(e - result.Logits![offset + k])).Max();
                    AssertWithin(worst, mlmTolerance, $"{where} logits row ({b},{t})");
                }
                break;
            }
            case "Model":
                Assert.Null(result.Logits);
                break;
            default:
                throw new InvalidOperationException("unknown head " + reference.Head);
        }
    }

    static void AssertWithin(double error, double tolerance, string what) =>
        Assert.True(error <= tolerance, $"{what}: max |diff| {error:E3} > {tolerance:E1}");
}
