namespace DebertaGgml.Bench;

/// <summary>A batch of token ids (row-major [Batch, Tokens]) with its attention mask; padding is on the right.</summary>
public sealed record BenchInput(int Batch, int Tokens, int[] InputIds, int[] AttentionMask)
{
    public const int ClsId = 1, SepId = 2, PadId = 0;

    public string Shape => $"{Batch}x{Tokens}";
    public int RealTokens => AttentionMask.Count(m => m != 0);

    /// <summary>
    /// Seeded random ids from the tokenizer's range, [CLS] ... [SEP] per row. <paramref name="lengths"/> gives each
    /// row's real length (default: all full, the throughput case).
    /// </summary>
    public static BenchInput Random(int batch, int tokens, int tokenizerVocab, int seed, IReadOnlyList<int>? lengths = null)
    {
        if (batch < 1 || tokens < 2) throw new ArgumentOutOfRangeException(nameof(tokens), $"shape {batch}x{tokens}: need batch >= 1 and tokens >= 2");
        var rng = new Random(seed);
        var ids = new int[batch * tokens];
        var mask = new int[batch * tokens];
        for (int b = 0; b < batch; b++)
        {
            int length = lengths?[b] ?? tokens;
            if (length < 2 || length > tokens) throw new ArgumentOutOfRangeException(nameof(lengths), $"row {b}: length {length} is outside 2..{tokens}");
            var row = ids.AsSpan(b * tokens, tokens);
            row[0] = ClsId;
            for (int t = 1; t < length - 1; t++) row[t] = rng.Next(5, tokenizerVocab);
            row[length - 1] = SepId;
            mask.AsSpan(b * tokens, length).Fill(1);
        }
        return new BenchInput(batch, tokens, ids, mask);
    }

    /// <summary>Parses "8x128" into a full-length random batch.</summary>
    public static BenchInput Parse(string shape, int tokenizerVocab, int seed)
    {
        var parts = shape.Split('x');
        if (parts.Length != 2 || !int.TryParse(parts[0], out int b) || !int.TryParse(parts[1], out int t))
            throw new ArgumentException($"shape '{shape}' is not BATCHxTOKENS (e.g. 1x128)", nameof(shape));
        return Random(b, t, tokenizerVocab, seed);
    }
}
