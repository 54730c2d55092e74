namespace DebertaGgml.Pipelines;

/// <summary>The score functions and rankings the pipelines share (HF pipeline post-processing math).</summary>
internal static class Scores
{
    /// <summary>Numerically stable softmax; accumulates in double so long vocabularies keep float precision.</summary>
    public static float[] Softmax(ReadOnlySpan<float> logits)
    {
        var result = new float[logits.Length];
        if (logits.IsEmpty) return result;
        float max = float.NegativeInfinity;
        foreach (float x in logits) max = Math.Max(max, x);
        double sum = 0;
        for (int i = 0; i < logits.Length; i++) sum += Math.Exp(logits[i] - max);
        for (int i = 0; i < logits.Length; i++) result[i] = (float)(Math.Exp(logits[i] - max) / sum);
        return result;
    }

    public static float Sigmoid(float x) => (float)(1.0 / (1.0 + Math.Exp(-x)));

    public static float[] Sigmoid(ReadOnlySpan<float> logits)
    {
        var result = new float[logits.Length];
        for (int i = 0; i < logits.Length; i++) result[i] = Sigmoid(logits[i]);
        return result;
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
        k = Math.Min(k, values.Length);
        var best = new List<int>(k + 1);
        for (int i = 0; i < values.Length; i++)
        {
            if (best.Count == k && values[i] <= values[best[^1]]) continue;
            int at = best.Count;
            while (at > 0 && values[best[at - 1]] < values[i]) at--;
            best.Insert(at, i);
            if (best.Count > k) best.RemoveAt(best.Count - 1);
        }
        return [.. best];
    }

    /// <summary>Throws unless topK is null (all) or positive.</summary>
    public static void CheckTopK(int? topK, string name = "topK")
    {
        if (topK is <= 0) throw new ArgumentOutOfRangeException(name, topK, "topK must be at least 1 (or null for all)");
    }
}
