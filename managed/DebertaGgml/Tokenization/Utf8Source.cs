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
    /// <param name="charOriginStart">Per char of <paramref name="text"/>, its start in the original; null when text is the original.</param>
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
        Span<byte> buffer = stackalloc byte[4];
        for (int i = start; i < end;)
        {
            char c = text[i];
            if (c < 0x80)
            {
                Add((byte)c, i, i, charOriginStart, charOriginEnd);
                i++;
                continue;
            }
            int width = 1;
            Rune rune;
            if (char.IsHighSurrogate(c) && i + 1 < end && char.IsLowSurrogate(text[i + 1]))
            {
                rune = new Rune(c, text[i + 1]);
                width = 2;
            }
            else rune = char.IsSurrogate(c) ? Rune.ReplacementChar : new Rune(c);
            int count = rune.EncodeToUtf8(buffer);
            for (int k = 0; k < count; k++) Add(buffer[k], i, i + width - 1, charOriginStart, charOriginEnd);
            i += width;
        }
    }

    private void Add(byte b, int firstChar, int lastChar, int[]? charOriginStart, int[]? charOriginEnd)
    {
        Bytes.Add(b);
        OriginStart.Add(charOriginStart is null ? firstChar : charOriginStart[firstChar]);
        OriginEnd.Add(charOriginEnd is null ? lastChar + 1 : charOriginEnd[lastChar]);
    }
}
