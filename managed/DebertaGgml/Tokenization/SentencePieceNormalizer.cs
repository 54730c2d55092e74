using System.Text;

namespace DebertaGgml.Tokenization;

/// <summary>
/// SentencePiece's normalizer: longest-match replacement through the precompiled charsmap, whitespace
/// escaped as U+2581, optional dummy prefix, and (remove_extra_whitespaces) leading, trailing and repeated
/// spaces dropped. For every output byte it records the source span of the input unit it came from.
/// </summary>
internal sealed class SentencePieceNormalizer(PrecompiledCharsmap? charsmap, bool addDummyPrefix, bool removeExtraWhitespaces)
{
    private static ReadOnlySpan<byte> SpaceSymbol => "\u2581"u8;
    private static ReadOnlySpan<byte> ReplacementCharacter => "\uFFFD"u8;

    /// <summary>
    /// Normalizes <paramref name="input"/> into <paramref name="output"/>. When given, <paramref name="unitStart"/>/<paramref name="unitEnd"/>
    /// get, per output byte, the input byte range [start, end) of the unit that produced it (empty for the dummy prefix).
    /// </summary>
    public void Normalize(ReadOnlySpan<byte> input, GrowableArray<byte> output, GrowableArray<int>? unitStart, GrowableArray<int>? unitEnd)
    {
        output.Clear();
        unitStart?.Clear();
        unitEnd?.Clear();
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

        if (addDummyPrefix) Append(SpaceSymbol, consumed, consumed, output, unitStart, unitEnd);

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
                    if (b == (byte)' ') Append(SpaceSymbol, consumed, consumed + length, output, unitStart, unitEnd);
                    else Append(b, consumed, consumed + length, output, unitStart, unitEnd);
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
                unitStart?.Truncate(length);
                unitEnd?.Truncate(length);
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

    private static void Append(ReadOnlySpan<byte> bytes, int start, int end, GrowableArray<byte> output, GrowableArray<int>? unitStart, GrowableArray<int>? unitEnd)
    {
        foreach (byte b in bytes) Append(b, start, end, output, unitStart, unitEnd);
    }

    private static void Append(byte b, int start, int end, GrowableArray<byte> output, GrowableArray<int>? unitStart, GrowableArray<int>? unitEnd)
    {
        output.Add(b);
        if (unitStart is null) return;
        unitStart.Add(start);
        unitEnd!.Add(end);
    }
}
