using DebertaGgml.Pipelines;
using DebertaGgml.Tokenization;

namespace DebertaGgml;

/// <summary>How token states become one vector.</summary>
public enum Pooling
{
    /// <summary>The [CLS] (first) token's state.</summary>
    Cls,
    /// <summary>The mean over all tokens of the sequence, [CLS] and [SEP] included (mask-weighted, as sentence-transformers).</summary>
    Mean,
}

/// <summary>Options of <c>DebertaModel.Embed</c>.</summary>
public sealed record EmbedOptions : PipelineOptions
{
    /// <summary>How token vectors become one vector; default mean over real tokens.</summary>
    public Pooling Pooling { get; init; } = Pooling.Mean;
    /// <summary>Scale each vector to unit length (L2).</summary>
    public bool Normalize { get; init; } = true;
}

/// <summary>A text's vector of HiddenSize floats; Truncated when the text was cut to the model's window first.</summary>
public sealed record EmbeddingResult(float[] Vector, bool Truncated)
{
    // A vector has hundreds of values: its size says more in a log line than its numbers.
    bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"Vector = float[{Vector.Length}], Truncated = {Truncated}");
        return true;
    }
}

public sealed partial class DebertaModel
{
    /// <summary>A vector of HiddenSize floats from the last hidden state, with any head (the head is not run for this).</summary>
    public EmbeddingResult Embed(string text, EmbedOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Embed([text], options, cancellationToken)[0];
    }

    /// <summary>A batch of texts, evaluated in length-sorted batches; results in input order.</summary>
    public IReadOnlyList<EmbeddingResult> Embed(IReadOnlyList<string> texts, EmbedOptions? options = null, CancellationToken cancellationToken = default)
    {
        PipelineInputs.CheckTexts(texts, nameof(texts));
        options ??= new EmbedOptions();
        ThrowIfDisposed();
        var encoded = texts.Select(t => PipelineInputs.Encode(this, t, null, options, TruncationStrategy.LongestFirst, "text")).ToArray();
        var results = new EmbeddingResult[texts.Count];
        int h = Info.HiddenSize;
        BatchRunner.Run(this, encoded.Select(e => PipelineInputs.Single(e.Encoding)).ToArray(), ModelOutputKinds.LastHiddenState, (i, output, row) =>
        {
            int n = encoded[i].Encoding.Length;
            var states = output.LastHiddenState.AsSpan(row * output.SequenceLength * h, n * h);
            results[i] = new EmbeddingResult(Pool(states, n, h, options), encoded[i].Truncated);
        }, cancellationToken);
        return results;
    }

    internal static float[] Pool(ReadOnlySpan<float> states, int tokens, int hidden, EmbedOptions options)
    {
        var vector = new double[hidden];
        int used = options.Pooling == Pooling.Cls ? 1 : tokens;
        for (int t = 0; t < used; t++)
            for (int d = 0; d < hidden; d++) vector[d] += states[t * hidden + d];
        for (int d = 0; d < hidden; d++) vector[d] /= used;
        double norm = Math.Sqrt(vector.Sum(x => x * x));
        double scale = options.Normalize && norm > 0 ? 1 / norm : 1;
        return vector.Select(x => (float)(x * scale)).ToArray();
    }
}
