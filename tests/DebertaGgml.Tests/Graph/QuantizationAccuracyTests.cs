using DebertaGgml.Gguf;
using DebertaGgml.Tests.TestSupport;
using Xunit.Abstractions;

namespace DebertaGgml.Tests.Graph;

/// <summary>Every fixture converted to each type against the same fixture in F32 (docs/quantization.md).</summary>
public class QuantizationAccuracyTests(ITestOutputHelper output)
{
    // Lower bounds on the worst cosine (last hidden state and head outputs, every fixture). Measured worst
    // (docs/quantization.md) with the cosine distance 1 - cos doubled, rounded down; Q8_0's 0.999 is the requirement.
    // On the fixtures (hidden 32 < 256) the K types are their fallbacks: Q6_K -> Q8_0, Q5_K -> Q5_1, Q4_K -> Q5_0.
    public static TheoryData<GgmlType, double> Bounds => new()
    {
        { GgmlType.F16, 0.99999 }, { GgmlType.BF16, 0.9999 },
        { GgmlType.Q8_0, 0.999 }, { GgmlType.Q6_K, 0.999 },
        { GgmlType.Q5_K, 0.97 }, { GgmlType.Q5_1, 0.97 },
        { GgmlType.Q5_0, 0.98 }, { GgmlType.Q4_K, 0.98 },
        { GgmlType.Q4_1, 0.91 }, { GgmlType.Q4_0, 0.94 },
    };

    [Theory]
    [MemberData(nameof(Bounds))]
    public void Quantized_outputs_keep_their_cosine_to_f32(GgmlType type, double minimumCosine)
    {
        foreach (string fixture in FixtureRef.Names)
        {
            var m = QuantizationMetrics.ForFixture(fixture, type);
            output.WriteLine($"{fixture} {type}: {m}");
            Assert.True(m.HiddenCosine >= minimumCosine, $"{fixture} {type}: hidden-state cosine {m.HiddenCosine:F6} < {minimumCosine}");
            if (!double.IsNaN(m.LogitsCosine))
                Assert.True(m.LogitsCosine >= minimumCosine, $"{fixture} {type}: logits cosine {m.LogitsCosine:F6} < {minimumCosine}");
        }
    }
}
