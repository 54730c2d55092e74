using System.Text;

namespace DebertaGgml.Tokenization;

/// <summary>
/// SentencePiece's normalizer: longest-match replacement through the precompiled charsmap, whitespace
/// escaped as U+2581, optional dummy prefix, and (remove_extra_whitespaces) leading, trailing and repeated
/// spaces dropped. On request it records, for every output byte, the original-text span of the input unit it
/// came from (the whole unit, so a piece boundary inside an expansion such as "ﬁ" → "fi" still maps to "ﬁ").
/// </summary>
internal sealed class SentencePieceNormalizer(PrecompiledCharsmap? charsmap, bool addDummyPrefix, bool removeExtraWhitespaces)
{
    private static ReadOnlySpan<byte> SpaceSymbol => "\u2581"u8;
    private static ReadOnlySpan<byte> ReplacementCharacter => "\uFFFD"u8;

    /// <summary>Normalizes <paramref name="input"/> into <paramref name="output"/>, filling <paramref name="alignment"/> when given.</summary>
    public void Normalize(ReadOnlySpan<byte> input, GrowableArray<byte> output, NormalizerAlignment? alignment)
    {
        output.Clear();
        alignment?.Clear();
        int consumed = 0;
        if (removeExtraWhitespaces)
        {
            while (consumed < input.Length)
            {
                int length = NormalizePrefix(input[consumed..], out var replacement);
                if (!replacement.SequenceEqual(" "u8)) break;
                consumed += length;
            }
        }
        if (consumed == input.Length) return;

        if (addDummyPrefix) Append(SpaceSymbol, consumed, 0, output, alignment);

        bool previousIsSpace = removeExtraWhitespaces;
        while (consumed < input.Length)
        {
            int length = NormalizePrefix(input[consumed..], out var piece);
            if (previousIsSpace)
            {
                while (piece.Length > 0 && piece[0] == (byte)' ') piece = piece[1..];
            }
            if (piece.Length > 0)
            {
                foreach (byte b in piece)
                {
                    if (b == (byte)' ') Append(SpaceSymbol, consumed, length, output, alignment);
                    else Append(b, consumed, length, output, alignment);
                }
                previousIsSpace = piece[^1] == (byte)' ';
            }
            consumed += length;
            if (!removeExtraWhitespaces) previousIsSpace = false;
        }

        if (removeExtraWhitespaces)
        {
            while (output.AsSpan().EndsWith(SpaceSymbol))
            {
                int length = output.Count - SpaceSymbol.Length;
                output.Truncate(length);
                alignment?.Truncate(length);
            }
        }
    }

    /// <summary>Replacement for the longest charsmap key at the start of <paramref name="input"/>, else its first character.</summary>
    private int NormalizePrefix(ReadOnlySpan<byte> input, out ReadOnlySpan<byte> replacement)
    {
        byte lead = input[0];
        if (charsmap is not null && !charsmap.CannotStartKey(lead))
        {
            int matched = charsmap.LongestMatch(input, out replacement);
            if (matched > 0) return matched;
        }
        if (lead < 0x80)
        {
            replacement = input[..1];
            return 1;
        }
        if (Rune.DecodeFromUtf8(input, out _, out int consumed) != System.Buffers.OperationStatus.Done)
        {
            // Malformed UTF-8: SentencePiece emits U+FFFD and consumes a single byte.
            replacement = ReplacementCharacter;
            return 1;
        }
        replacement = input[..consumed];
        return consumed;
    }

    private static void Append(ReadOnlySpan<byte> bytes, int unit, int unitLength, GrowableArray<byte> output, NormalizerAlignment? alignment)
    {
        foreach (byte b in bytes) Append(b, unit, unitLength, output, alignment);
    }

    private static void Append(byte b, int unit, int unitLength, GrowableArray<byte> output, NormalizerAlignment? alignment)
    {
        output.Add(b);
        alignment?.Add(unit, unitLength);
    }
}

/// <summary>
/// Original-text spans of normalized bytes: built from the span of each input byte (<see cref="Utf8Source"/>);
/// a byte the normalizer inserted (the dummy-prefix ▁) gets an empty span at the next input character.
/// </summary>
internal sealed class NormalizerAlignment
{
    public readonly GrowableArray<int> Start = new();
    public readonly GrowableArray<int> End = new();
    private int[] _inputStart = [];
    private int[] _inputEnd = [];

    public void SetInput(int[] inputStart, int[] inputEnd)
    {
        _inputStart = inputStart;
        _inputEnd = inputEnd;
    }

    public void Clear()
    {
        Start.Clear();
        End.Clear();
    }

    public void Truncate(int count)
    {
        Start.Truncate(count);
        End.Truncate(count);
    }

    public void Add(int unit, int unitLength)
    {
        int start = _inputStart[unit];
        Start.Add(start);
        End.Add(unitLength > 0 ? _inputEnd[unit + unitLength - 1] : start);
    }
}
