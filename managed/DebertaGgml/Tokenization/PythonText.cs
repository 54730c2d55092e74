using System.Globalization;
using System.Text;

namespace DebertaGgml.Tokenization;

/// <summary>Text rules of HF's Python code that .NET does not share: str.lower() and DeBERTa's punctuation test.</summary>
internal static class PythonText
{
    private const int CapitalSigma = 0x03A3;
    private const int FinalSigma = 0x03C2;
    private const int CapitalIWithDot = 0x0130;

    /// <summary>
    /// Python's str.lower() on text[start..end): per code point lowercase, with the two context rules Python applies
    /// (U+0130 becomes "i" + U+0307; a capital sigma that ends a word becomes final sigma). Lone surrogates are kept.
    /// For each output char, the source span in <paramref name="text"/> is recorded.
    /// </summary>
    public static string Lower(string text, int start, int end, GrowableArray<int> sourceStart, GrowableArray<int> sourceEnd)
    {
        sourceStart.Clear();
        sourceEnd.Clear();
        var builder = new StringBuilder(end - start);
        Span<char> chars = stackalloc char[2];
        for (int i = start; i < end;)
        {
            if (Rune.DecodeFromUtf16(text.AsSpan(i, end - i), out Rune rune, out int width) != System.Buffers.OperationStatus.Done)
            {
                Append(builder, text[i], i, i + 1, sourceStart, sourceEnd);
                i++;
                continue;
            }
            int sourceEndIndex = i + width;
            if (rune.Value == CapitalIWithDot)
            {
                Append(builder, 'i', i, sourceEndIndex, sourceStart, sourceEnd);
                Append(builder, '\u0307', i, sourceEndIndex, sourceStart, sourceEnd);
            }
            else
            {
                Rune lower = rune.Value == CapitalSigma && IsFinalSigma(text, start, end, i) ? new Rune(FinalSigma) : Rune.ToLowerInvariant(rune);
                int written = lower.EncodeToUtf16(chars);
                for (int k = 0; k < written; k++) Append(builder, chars[k], i, sourceEndIndex, sourceStart, sourceEnd);
            }
            i = sourceEndIndex;
        }
        return builder.ToString();
    }

    /// <summary>Python's test for DeBERTa's split_by_punct: ASCII symbol ranges, or any Unicode P* category.</summary>
    public static bool IsPunctuation(Rune rune)
    {
        int cp = rune.Value;
        if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) return true;
        return Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation or UnicodeCategory.OpenPunctuation
                or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
                or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation => true,
            _ => false,
        };
    }

    /// <summary>Unicode's Final_Sigma condition: a cased letter before (skipping case-ignorables) and none after.</summary>
    private static bool IsFinalSigma(string text, int start, int end, int position)
    {
        bool casedBefore = false;
        for (int i = position; i > start;)
        {
            Rune.DecodeLastFromUtf16(text.AsSpan(start, i - start), out Rune previous, out int width);
            i -= width;
            if (IsCaseIgnorable(previous)) continue;
            casedBefore = IsCased(previous);
            break;
        }
        if (!casedBefore) return false;
        for (int i = position + 1; i < end;)
        {
            Rune.DecodeFromUtf16(text.AsSpan(i, end - i), out Rune next, out int width);
            i += width;
            if (IsCaseIgnorable(next)) continue;
            return !IsCased(next);
        }
        return true;
    }

    private static bool IsCased(Rune rune) => Rune.GetUnicodeCategory(rune) is UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter;

    private static bool IsCaseIgnorable(Rune rune) =>
        rune.Value is '\'' or '.' or ':' or 0x00B7 or 0x2019 ||
        Rune.GetUnicodeCategory(rune) is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark or UnicodeCategory.Format
            or UnicodeCategory.ModifierLetter or UnicodeCategory.ModifierSymbol;

    private static void Append(StringBuilder builder, char c, int start, int end, GrowableArray<int> sourceStart, GrowableArray<int> sourceEnd)
    {
        builder.Append(c);
        sourceStart.Add(start);
        sourceEnd.Add(end);
    }
}
