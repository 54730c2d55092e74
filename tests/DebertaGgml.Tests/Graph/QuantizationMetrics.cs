using DebertaGgml.Gguf;

namespace DebertaGgml.Tests.Graph;

/// <summary>How close a quantized model's outputs are to the F32 model's: cosine similarity and max |diff|.</summary>
internal sealed record QuantizationMetrics(double HiddenCosine, double HiddenMaxAbs, double LogitsCosine, double LogitsMaxAbs)
{
    /// <summary>The types docs/quantization.md reports, best first.</summary>
    public static readonly GgmlType[] Types =
        [GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q6_K, GgmlType.Q5_K, GgmlType.Q5_1, GgmlType.Q5_0, GgmlType.Q4_K, GgmlType.Q4_1, GgmlType.Q4_0];

    /// <summary>Every batch of a fixture, real tokens only: last hidden state and head outputs (NaN without a head).</summary>
    public static QuantizationMetrics ForFixture(string fixture, GgmlType type)
    {
        var reference = FixtureRef.Load(fixture);
        using var f32 = new NativeModel(ConvertedModels.Get(fixture, GgmlType.F32));
        using var quantized = new NativeModel(ConvertedModels.Get(fixture, type));
        var hidden = new Accumulator();
        var logits = new Accumulator();
        foreach (var batch in reference.Batches)
        {
            EvalResult a = f32.Eval(batch), b = quantized.Eval(batch);
            int h = f32.Info.hidden_size;
            for (int i = 0; i < batch.AttentionMask.Length; i++)
                if (batch.AttentionMask[i] == 1) hidden.Add(a.LastHidden.AsSpan(i * h, h), b.LastHidden.AsSpan(i * h, h));
            if (a.Start != null)
            {
                logits.AddAtRealTokens(a.Start, b.Start!, batch.AttentionMask);
                logits.AddAtRealTokens(a.End!, b.End!, batch.AttentionMask);
            }
            else if (a.Logits != null && a.Logits.Length % batch.AttentionMask.Length == 0 && reference.Head is "TokenClassification" or "MaskedLM")
                logits.AddAtRealTokens(a.Logits, b.Logits!, batch.AttentionMask);
            else if (a.Logits != null)
                logits.Add(a.Logits, b.Logits!);
        }
        return new(hidden.Cosine, hidden.MaxAbs, logits.Cosine, logits.MaxAbs);
    }

    /// <summary>Sums for cosine similarity and max |diff| of two growing vectors.</summary>
    internal sealed class Accumulator
    {
        double _dot, _normA, _normB;
        public double MaxAbs { get; private set; }
        public double Cosine => _normA == 0 ? double.NaN : _dot / Math.Sqrt(_normA * _normB);

        public void Add(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
        {
            for (int i = 0; i < expected.Length; i++)
            {
                double x = expected[i], y = actual[i];
                _dot += x * y;
                _normA += x * x;
                _normB += y * y;
                MaxAbs = Math.Max(MaxAbs, Math.Abs(x - y));
            }
        }

        /// <summary>Values laid out [tokens, width]; only rows whose mask is 1.</summary>
        public void AddAtRealTokens(float[] expected, float[] actual, int[] mask)
        {
            int width = expected.Length / mask.Length;
            for (int i = 0; i < mask.Length; i++)
                if (mask[i] == 1) Add(expected.AsSpan(i * width, width), actual.AsSpan(i * width, width));
        }
    }
}
