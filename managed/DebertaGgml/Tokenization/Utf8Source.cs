using System.Text;

namespace DebertaGgml.Tokenization;

/// <summary>
/// UTF-8 bytes of a piece of text, with the original UTF-16 span of the character behind each byte.
/// Lone surrogates become U+FFFD (they have no UTF-8 form) so invalid UTF-16 never throws.
/// </summary>
internal sealed class Utf8Source
{
    public readonly GrowableArray<byte> Bytes = new();
    public readonly GrowableArray<int> OriginStart = new();
    public readonly GrowableArray<int> OriginEnd = new();

    /// <param name="text">Working text (the input, or its lowercased copy).</param>
    /// <param name="start">First char of <paramref name="text"/> to load.</param>
    /// <param name="end">One past the last char to load.</param>
    /// <param name="charOriginStart">Per char of <paramref name="text"/>, its start in the original; null when text is the original.</param>
    /// <param name="charOriginEnd">Per char, its end in the original; null when text is the original.</param>
    /// <param name="withOrigins">Whether OriginStart/OriginEnd are filled (offsets wanted).</param>
    public void Load(string text, int start, int end, int[]? charOriginStart, int[]? charOriginEnd, bool withOrigins)
    {
        Bytes.Clear();
        OriginStart.Clear();
        OriginEnd.Clear();
        if (!withOrigins)
        {
            // The default UTF-8 encoder also writes U+FFFD for lone surrogates.
            var span = text.AsSpan(start, end - start);
            var target = Bytes.Resize(System.Text.Encoding.UTF8.GetMaxByteCount(span.Length));
            Bytes.Truncate(System.Text.Encoding.UTF8.GetBytes(span, target));
            return;
        }
        // Size for the worst case (3 bytes per UTF-16 unit) and write by index: this loop is on the hot path.
        int capacity = 3 * (end - start);
        var bytes = Bytes.Resize(capacity);
        var originStart = OriginStart.Resize(capacity);
        var originEnd = OriginEnd.Resize(capacity);
        int count = 0;
        for (int i = start; i < end;)
        {
            char c = text[i];
            int width = 1;
            int written;
            if (c < 0x80)
            {
                bytes[count] = (byte)c;
                written = 1;
            }
            else
            {
                Rune rune;
                if (char.IsHighSurrogate(c) && i + 1 < end && char.IsLowSurrogate(text[i + 1]))
                {
                    rune = new Rune(c, text[i + 1]);
                    width = 2;
                }
                else rune = char.IsSurrogate(c) ? Rune.ReplacementChar : new Rune(c);
                written = rune.EncodeToUtf8(bytes.AsSpan(count));
            }
            int first = charOriginStart is null ? i : charOriginStart[i];
            int last = charOriginEnd is null ? i + width : charOriginEnd[i + width - 1];
            for (int k = 0; k < written; k++)
            {
                originStart[count + k] = first;
                originEnd[count + k] = last;
            }
            count += written;
            i += width;
        }
        Bytes.Truncate(count);
        OriginStart.Truncate(count);
        OriginEnd.Truncate(count);
    }
}
