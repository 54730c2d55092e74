using DebertaGgml.Tokenization;

namespace DebertaGgml.Pipelines;

/// <summary>Tokenization, window checks and head checks the pipelines share.</summary>
internal static class PipelineInputs
{
    /// <summary>
    /// A text (or pair) cut into overlapping windows of <paramref name="window"/> tokens as HF tokenizers do with
    /// return_overflowing_tokens and stride: each starts <paramref name="stride"/> tokens before the previous one
    /// ended, in the part <paramref name="strategy"/> truncates. An input that fits is one window, encoded as without a stride.
    /// </summary>
    public static IReadOnlyList<TokenEncoding> StridedWindows(DebertaModel model, string text, string? pair, int window,
                                                         TruncationStrategy strategy, int stride)
    {
        var first = model.Tokenizer.Encode(text, pair, new EncodeOptions
        {
            MaxLength = window, Truncation = strategy, Stride = stride, ReturnOverflowing = true,
        });
        return [first, .. first.Overflowing];
    }

    /// <summary>A pipeline asked of a model without the head it needs fails naming the head the model has.</summary>
    public static void RequireHead(DebertaModel model, ModelHead head, string pipeline)
    {
        model.ThrowIfDisposed();
        if (model.Info.Head != head)
            throw new InvalidOperationException(
                $"{pipeline} needs a {head} model, but '{model.Info.Name}' has a {model.Info.Head} head ({model.Info.Architecture})");
    }

    public static int Window(DebertaModel model, PipelineOptions options)
    {
        if (options.MaxLength is not int max) return model.MaxSequenceLength;
        if (max < 3 || max > model.MaxSequenceLength)
            throw new ArgumentOutOfRangeException(nameof(options.MaxLength), max, $"must be between 3 and the model's maximum {model.MaxSequenceLength}");
        return max;
    }

    /// <summary>
    /// Encodes a text (or pair) to fit the window: unchanged when it fits, else truncated with
    /// <paramref name="strategy"/> (Truncated = true) or rejected, as <see cref="PipelineOptions.Overflow"/> says.
    /// </summary>
    public static (TokenEncoding Encoding, bool Truncated) Encode(DebertaModel model, string text, string? pair, PipelineOptions options,
                                                            TruncationStrategy strategy, string argument)
    {
        int window = Window(model, options);
        var encoding = model.Tokenizer.Encode(text, pair);
        if (encoding.Length <= window) return (encoding, false);
        if (options.Overflow == OverflowBehavior.Throw)
            throw new ArgumentException($"{argument} is {encoding.Length} tokens long, more than the window of {window} (use OverflowBehavior.Truncate to cut it)", argument);
        encoding = model.Tokenizer.Encode(text, pair, new EncodeOptions { MaxLength = window, Truncation = strategy });
        if (encoding.Length > window)
            throw new ArgumentException($"{argument} cannot be cut to {window} tokens by truncating {strategy} ({encoding.Length} tokens remain)", argument);
        return (encoding, true);
    }

    public static Sequence[] Single(TokenEncoding encoding) => [new Sequence(encoding.Ids, encoding.TypeIds)];

    public static void CheckTexts(IReadOnlyList<string> texts, string argument)
    {
        ArgumentNullException.ThrowIfNull(texts, argument);
        for (int i = 0; i < texts.Count; i++)
            if (texts[i] is null) throw new ArgumentNullException(argument, $"{argument}[{i}] is null");
    }

    /// <summary>A float row of a flat output array.</summary>
    public static ReadOnlySpan<float> Row(float[] data, int row, int width) => data.AsSpan(row * width, width);
}
