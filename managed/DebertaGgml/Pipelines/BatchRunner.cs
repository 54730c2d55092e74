namespace DebertaGgml.Pipelines;

/// <summary>One tokenized sequence ready for the model (no padding).</summary>
internal readonly record struct Sequence(IReadOnlyList<int> Ids, IReadOnlyList<int> TypeIds);

/// <summary>
/// Runs many inputs through <see cref="DebertaModel.Evaluate"/> in length-bucketed batches: inputs are sorted
/// by token length, cut into batches of up to MaxBatch sequences (and an output-size budget), and each batch
/// is padded on the right only to its own longest sequence.
/// </summary>
internal static class BatchRunner
{
    /// <summary>Upper bound on the floats one evaluation may return (1 GiB), so a masked LM with a large
    /// vocabulary gets smaller batches instead of a huge logits buffer.</summary>
    const long MaxOutputFloats = 256L << 20;

    /// <summary>
    /// Evaluates every item (an item is one sequence, or one sequence per choice for multiple choice, all
    /// items with the same number of choices) and hands each item's place in the output to <paramref name="read"/>:
    /// (item index, batch output, batch row of its first sequence).
    /// </summary>
    public static void Run(DebertaModel model, IReadOnlyList<Sequence[]> items, ModelOutputKinds kinds,
                           Action<int, ModelOutput, int> read, CancellationToken cancellationToken)
    {
        if (items.Count == 0) return;
        int choices = items[0].Length;
        if (choices > model.MaxBatch)
            throw new ArgumentException($"{choices} choices exceed the model's MaxBatch {model.MaxBatch}; load it with a larger MaxBatch");
        int[] order = Enumerable.Range(0, items.Count).OrderBy(i => Longest(items[i])).ToArray();
        long perToken = FloatsPerToken(model, kinds);

        int next = 0;
        while (next < order.Length)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // The batch's longest item is its last one (sorted), so the length is known while growing it.
            int count = 0, length = 0;
            while (next + count < order.Length && (count + 1) * choices <= model.MaxBatch)
            {
                int candidate = Math.Max(length, Longest(items[order[next + count]]));
                if (count > 0 && (long)(count + 1) * choices * candidate * perToken > MaxOutputFloats) break;
                length = candidate;
                count++;
            }
            var batch = order.AsSpan(next, count).ToArray();
            var output = model.Evaluate(Pad(items, batch, choices, length), kinds, cancellationToken);
            for (int b = 0; b < batch.Length; b++) read(batch[b], output, b * choices);
            next += count;
        }
    }

    static int Longest(Sequence[] item) => item.Max(s => s.Ids.Count);

    static ModelInput Pad(IReadOnlyList<Sequence[]> items, int[] batch, int choices, int length)
    {
        int rows = batch.Length * choices;
        var ids = new int[rows * length];
        var mask = new int[rows * length];
        var types = new int[rows * length];
        for (int b = 0; b < batch.Length; b++)
        {
            var item = items[batch[b]];
            if (item.Length != choices) throw new ArgumentException($"every input needs {choices} choices, one has {item.Length}");
            for (int c = 0; c < choices; c++)
            {
                int row = (b * choices + c) * length;
                var s = item[c];
                for (int t = 0; t < s.Ids.Count; t++)
                {
                    ids[row + t] = s.Ids[t];
                    types[row + t] = s.TypeIds[t];
                    mask[row + t] = 1;
                }
            }
        }
        return new ModelInput(ids, mask, types, batch.Length, length, choices);
    }

    // The outputs of one token (one sequence of one token: sequence-level logits count as per token, an upper bound).
    static long FloatsPerToken(DebertaModel model, ModelOutputKinds kinds) => 1 + model.OutputFloats(kinds, 1, 1, 1);
}
