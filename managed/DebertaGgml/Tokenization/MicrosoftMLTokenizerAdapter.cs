using System.Buffers;
using Microsoft.ML.Tokenizers;

namespace DebertaGgml.Tokenization;

/// <summary>
/// <see cref="DebertaTokenizer"/> as a Microsoft.ML.Tokenizers <see cref="Tokenizer"/>, so it plugs into code written
/// against that abstraction (token counting, chunking by token budget). Encodes one text without [CLS]/[SEP];
/// token offsets are ranges of the original text. Normalization and pre-tokenization always apply, since the ids
/// are only exact with them.
/// </summary>
public sealed class MicrosoftMLTokenizerAdapter(DebertaTokenizer tokenizer) : Tokenizer
{
    private static readonly EncodeOptions WithoutSpecialTokens = new() { AddSpecialTokens = false };

    /// <summary>The tokenizer this adapter wraps.</summary>
    public DebertaTokenizer Tokenizer { get; } = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));

    /// <summary>Encodes without special tokens, as ML.Tokenizers' EncodeToTokens expects.</summary>
    protected override EncodeResults<EncodedToken> EncodeToTokens(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings)
    {
        string value = text ?? textSpan.ToString();
        var encoding = Tokenizer.Encode(value, options: WithoutSpecialTokens);
        int count = Math.Min(encoding.Length, Math.Max(0, settings.MaxTokenCount));
        var tokens = new List<EncodedToken>(count);
        for (int i = 0; i < count; i++)
        {
            var (start, end) = encoding.Offsets[i];
            tokens.Add(new EncodedToken(encoding.Ids[i], encoding.Tokens[i], new Range(start, end)));
        }
        int consumed = count == encoding.Length ? value.Length : count == 0 ? 0 : encoding.Offsets[count - 1].End;
        return new EncodeResults<EncodedToken> { Tokens = tokens, NormalizedText = null, CharsConsumed = consumed };
    }

    /// <summary>Decodes into <paramref name="destination"/>; DestinationTooSmall when it does not fit.</summary>
    public override OperationStatus Decode(IEnumerable<int> ids, Span<char> destination, out int idsConsumed, out int charsWritten)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var list = ids as IReadOnlyCollection<int> ?? ids.ToList();
        string text = Tokenizer.Decode(list);
        if (text.Length > destination.Length)
        {
            idsConsumed = 0;
            charsWritten = 0;
            return OperationStatus.DestinationTooSmall;
        }
        text.AsSpan().CopyTo(destination);
        idsConsumed = list.Count;
        charsWritten = text.Length;
        return OperationStatus.Done;
    }
}
