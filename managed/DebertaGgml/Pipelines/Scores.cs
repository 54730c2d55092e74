namespace DebertaGgml.Pipelines;

/// <summary>The score functions and rankings the pipelines share (HF pipeline post-processing math).</summary>
internal static class Scores
{
    /// <summary>Numerically stable softmax; accumulates in double so long vocabularies keep float precision.</summary>
    public static float[] Softmax(ReadOnlySpan<float> logits)
    {
        var result = new float[logits.Length];
        Softmax(logits, result);
        return result;
    }

    /// <inheritdoc cref="Softmax(ReadOnlySpan{float})"/>
    public static void Softmax(ReadOnlySpan<float> logits, Span<float> result)
    {
        if (logits.IsEmpty) return;
        float max = float.NegativeInfinity;
        foreach (float x in logits) max = Math.Max(max, x);
        double sum = 0;
        for (int i = 0; i < logits.Length; i++) sum += Math.Exp(logits[i] - max);
        for (int i = 0; i < logits.Length; i++) result[i] = (float)(Math.Exp(logits[i] - max) / sum);
    }

    public static float Sigmoid(float x) => (float)(1.0 / (1.0 + Math.Exp(-x)));

    public static float[] Sigmoid(ReadOnlySpan<float> logits)
    {
        var result = new float[logits.Length];
        Sigmoid(logits, result);
        return result;
    }

    public static void Sigmoid(ReadOnlySpan<float> logits, Span<float> result)
    {
        for (int i = 0; i < logits.Length; i++) result[i] = Sigmoid(logits[i]);
    }

    public static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
            if (values[i] > values[best]) best = i;
        return best;
    }

    /// <summary>Indices of the k largest values, best first; equal values keep index order.</summary>
    public static int[] TopK(ReadOnlySpan<float> values, int k)
    {
        var best = new int[Math.Min(k, values.Length)];
        TopK(values, best);
        return best;
    }

    /// <summary>Fills <paramref name="best"/> (k = its length, at most the values') with the indices of the k largest values.</summary>
    public static void TopK(ReadOnlySpan<float> values, Span<int> best)
    {
        if (best.IsEmpty) return;
        int count = 0;
        for (int i = 0; i < values.Length; i++)
        {
            if (count == best.Length && values[i] <= values[best[count - 1]]) continue;
            int at = count;
            while (at > 0 && values[best[at - 1]] < values[i]) at--;
            int moved = Math.Min(count, best.Length - 1) - at; // the entries after `at` shift right, the last one may fall off
            best.Slice(at, moved).CopyTo(best[(at + 1)..]);
            best[at] = i;
            if (count < best.Length) count++;
        }
    }

    /// <summary>Throws unless topK is null (all) or positive.</summary>
    public static void CheckTopK(int? topK, string name = "topK")
    {
        if (topK is <= 0) throw new ArgumentOutOfRangeException(name, topK, "topK must be at least 1 (or null for all)");
    }
}
