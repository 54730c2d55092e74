using System.Globalization;
using System.Text;

namespace DebertaGgml.Tokenization;

/// <summary>
/// A normalized string that remembers, per char, the original-text span it came from (tokenizers' NormalizedString
/// alignments). Inserted chars (the Metaspace ▁) get an empty span at the next char's start.
/// </summary>
internal sealed class AlignedText(string text, int[] start, int[] end)
{
    private readonly int[] _start = start;
    private readonly int[] _end = end;

    public string Text { get; } = text;

    public static AlignedText FromOriginal(string original, int from, int to)
    {
        int length = to - from;
        var start = new int[length];
        var end = new int[length];
        for (int i = 0; i < length; i++)
        {
            int index = from + i;
            bool pairHigh = char.IsHighSurrogate(original[index]) && index + 1 < to && char.IsLowSurrogate(original[index + 1]);
            bool pairLow = char.IsLowSurrogate(original[index]) && index > from && char.IsHighSurrogate(original[index - 1]);
            start[i] = pairLow ? index - 1 : index;
            end[i] = pairHigh ? index + 2 : index + 1;
        }
        return new AlignedText(original.Substring(from, length), start, end);
    }

    /// <summary>Original span of chars [from, to); empty spans collapse onto the position.</summary>
    public (int Start, int End) Span(int from, int to)
    {
        if (from >= to) return from < _start.Length ? (_start[from], _start[from]) : (0, 0);
        return (_start[from], Math.Max(_start[from], _end[to - 1]));
    }

    public AlignedText Slice(int from, int to) => new(Text[from..to], _start[from..to], _end[from..to]);

    /// <summary>tokenizers' Lowercase: char-wise full lowercase mapping (no final-sigma rule).</summary>
    public AlignedText Lowercase() => MapRunes(rune => rune.Value == 0x0130 ? "i\u0307" : Rune.ToLowerInvariant(rune).ToString());

    public AlignedText StripWhitespace()
    {
        int from = 0, to = Text.Length;
        while (from < to && Rune.DecodeFromUtf16(Text.AsSpan(from, to - from), out var r, out int w) == System.Buffers.OperationStatus.Done && Rune.IsWhiteSpace(r)) from += w;
        while (to > from && Rune.DecodeLastFromUtf16(Text.AsSpan(from, to - from), out var r, out int w) == System.Buffers.OperationStatus.Done && Rune.IsWhiteSpace(r)) to -= w;
        return Slice(from, to);
    }

    /// <summary>
    /// tokenizers' Precompiled normalizer: a grapheme shorter than 6 UTF-8 bytes is replaced whole when the charsmap has
    /// a key that is a prefix of it (the shortest such key); otherwise each char is looked up on its own.
    /// </summary>
    public AlignedText ApplyCharsmapPerGrapheme(PrecompiledCharsmap charsmap)
    {
        var builder = new Builder(Text.Length);
        for (int i = 0; i < Text.Length;)
        {
            int length = StringInfo.GetNextTextElementLength(Text.AsSpan(i));
            if (length <= 0) length = 1;
            string grapheme = Text.Substring(i, length);
            byte[] utf8 = System.Text.Encoding.UTF8.GetBytes(grapheme);
            if (utf8.Length < 6 && charsmap.ShortestMatch(utf8, out var whole) > 0)
            {
                builder.Append(System.Text.Encoding.UTF8.GetString(whole), Span(i, i + length));
            }
            else
            {
                for (int k = i; k < i + length;)
                {
                    int width = char.IsHighSurrogate(Text[k]) && k + 1 < i + length && char.IsLowSurrogate(Text[k + 1]) ? 2 : 1;
                    byte[] charBytes = System.Text.Encoding.UTF8.GetBytes(Text.Substring(k, width));
                    if (charsmap.ShortestMatch(charBytes, out var replacement) > 0) builder.Append(System.Text.Encoding.UTF8.GetString(replacement), Span(k, k + width));
                    else builder.AppendOriginal(this, k, k + width);
                    k += width;
                }
            }
            i += length;
        }
        return builder.Build();
    }

    /// <summary>Replace(" {2,}", " "): each run of two or more spaces becomes one space spanning the run.</summary>
    public AlignedText CollapseSpaces()
    {
        var builder = new Builder(Text.Length);
        for (int i = 0; i < Text.Length;)
        {
            if (Text[i] == ' ')
            {
                int runEnd = i;
                while (runEnd < Text.Length && Text[runEnd] == ' ') runEnd++;
                if (runEnd - i >= 2) builder.Append(" ", Span(i, runEnd));
                else builder.AppendOriginal(this, i, i + 1);
                i = runEnd;
            }
            else
            {
                builder.AppendOriginal(this, i, i + 1);
                i++;
            }
        }
        return builder.Build();
    }

    public AlignedText ReplaceSpaces(char replacement) => new(Text.Replace(' ', replacement), _start, _end);

    public AlignedText Prepend(char c)
    {
        int position = _start.Length > 0 ? _start[0] : 0;
        return new AlignedText(c + Text, [position, .. _start], [position, .. _end]);
    }

    /// <summary>Splits so that every occurrence of <paramref name="separator"/> begins a new part (MergedWithNext).</summary>
    public List<AlignedText> SplitBefore(char separator)
    {
        var parts = new List<AlignedText>();
        int partStart = 0;
        for (int i = 1; i < Text.Length; i++)
        {
            if (Text[i] != separator) continue;
            parts.Add(Slice(partStart, i));
            partStart = i;
        }
        if (Text.Length > partStart) parts.Add(Slice(partStart, Text.Length));
        return parts;
    }

    /// <summary>tokenizers' Punctuation pre-tokenizer with Isolated behaviour: each punctuation char is its own part.</summary>
    public List<AlignedText> IsolatePunctuation()
    {
        var parts = new List<AlignedText>();
        int partStart = 0;
        for (int i = 0; i < Text.Length;)
        {
            var status = Rune.DecodeFromUtf16(Text.AsSpan(i), out var rune, out int width);
            if (status != System.Buffers.OperationStatus.Done) width = 1;
            if (status == System.Buffers.OperationStatus.Done && PythonText.IsPunctuation(rune))
            {
                if (i > partStart) parts.Add(Slice(partStart, i));
                parts.Add(Slice(i, i + width));
                partStart = i + width;
            }
            i += width;
        }
        if (Text.Length > partStart) parts.Add(Slice(partStart, Text.Length));
        return parts;
    }

    private AlignedText MapRunes(Func<Rune, string> map)
    {
        var builder = new Builder(Text.Length);
        for (int i = 0; i < Text.Length;)
        {
            if (Rune.DecodeFromUtf16(Text.AsSpan(i), out var rune, out int width) != System.Buffers.OperationStatus.Done)
            {
                builder.AppendOriginal(this, i, i + 1);
                i++;
                continue;
            }
            builder.Append(map(rune), Span(i, i + width));
            i += width;
        }
        return builder.Build();
    }

    private sealed class Builder(int capacity)
    {
        private readonly StringBuilder _text = new(capacity);
        private readonly List<int> _start = new(capacity);
        private readonly List<int> _end = new(capacity);

        public void Append(string value, (int Start, int End) span)
        {
            _text.Append(value);
            for (int i = 0; i < value.Length; i++)
            {
                _start.Add(span.Start);
                _end.Add(span.End);
            }
        }

        public void AppendOriginal(AlignedText source, int from, int to)
        {
            _text.Append(source.Text, from, to - from);
            for (int i = from; i < to; i++)
            {
                _start.Add(source._start[i]);
                _end.Add(source._end[i]);
            }
        }

        public AlignedText Build() => new(_text.ToString(), [.. _start], [.. _end]);
    }
}
