using System.Globalization;
using System.Text;
using DebertaGgml.Tokenization;
using static DebertaGgml.Tests.Tokenization.TokenizerFixtures;

namespace DebertaGgml.Tests.Tokenization;

/// <summary>Offsets point into the original text: each span's text, NFKC-normalized, holds what the token stands for.</summary>
public class OffsetTests
{
    public static IEnumerable<object[]> Variants() => FolderVariants();

    [Theory]
    [MemberData(nameof(Variants))]
    public void Every_span_of_the_original_text_maps_back_to_its_token(string folder, int variantIndex)
    {
        var variant = LoadRefs(folder).GetProperty("variants")[variantIndex];
        bool lower = variant.GetProperty("do_lower_case").GetBoolean();
        var fromSpm = SentencePieceTokenizer(folder, variant);
        var fromJson = DebertaTokenizer.FromTokenizerJson(FixturePath(folder, "tokenizer.json"), OptionsOf(variant));
        var problems = new List<string>();
        foreach (var single in variant.GetProperty("singles").EnumerateArray())
        {
            string text = single.GetProperty("text").GetString()!;
            CheckSpans(fromSpm, text, lower, problems);
            CheckSpans(fromJson, text, lower, problems);
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems.Take(30)));
    }

    [Fact]
    public void Pair_offsets_refer_to_their_own_text()
    {
        var tokenizer = DebertaTokenizer.FromSentencePiece(FixturePath("tokenizer_bf", "spm.model"));
        const string first = "Tokyo 東京 🗼", second = "café ☕ time";
        var encoding = tokenizer.Encode(first, second);
        for (int i = 0; i < encoding.Length; i++)
        {
            var (start, end) = encoding.Offsets[i];
            string source = encoding.SequenceIds[i] == 1 ? second : first;
            if (encoding.SequenceIds[i] < 0) Assert.Equal((0, 0), (start, end));
            else Assert.InRange(end, start, source.Length);
        }
        int cafe = encoding.Tokens.ToList().IndexOf("é");
        Assert.Equal(1, encoding.SequenceIds[cafe]);
        Assert.Equal("é", second[encoding.Offsets[cafe].Start..encoding.Offsets[cafe].End]);
    }

    private static void CheckSpans(DebertaTokenizer tokenizer, string text, bool lower, List<string> problems)
    {
        var encoding = tokenizer.Encode(text);
        string where = $"{tokenizer.Data.Source} {SentencePieceReferenceTests.Show(text)}";
        var covered = new bool[text.Length];
        int previousStart = 0;
        for (int i = 0; i < encoding.Length; i++)
        {
            if (encoding.SpecialTokensMask[i] == 1) continue;
            var (start, end) = encoding.Offsets[i];
            string token = encoding.Tokens[i];
            if (start < previousStart || end < start || end > text.Length)
            {
                problems.Add($"{where}: token {i} '{token}' has span ({start},{end})");
                continue;
            }
            previousStart = start;
            for (int k = start; k < end; k++) covered[k] = true;
            if (start == end) continue; // the ▁ SentencePiece inserts in front of a word
            string span = text[start..end];
            int id = encoding.Ids[i];
            if (tokenizer.Data.Kinds[id] is PieceKind.Control or PieceKind.UserDefined || id == tokenizer.UnkId && token == "[UNK]")
            {
                if (span != token) problems.Add($"{where}: special token '{token}' has span '{span}'");
                continue;
            }
            string expected = Normalize(span, lower);
            if (tokenizer.Data.Kinds[id] == PieceKind.Byte && !span.Contains("<0x"))
            {
                byte value = System.Convert.ToByte(token.Substring(3, 2), 16);
                if (!System.Text.Encoding.UTF8.GetBytes(expected).Contains(value)) problems.Add($"{where}: byte token '{token}' not in the UTF-8 of span '{span}'");
                continue;
            }
            string surface = token.Replace('\u2581', ' ').Trim();
            // Unknown runs keep their text unnormalized when tokenizers' per-grapheme lookup leaves it alone.
            bool found = expected.Contains(surface, StringComparison.Ordinal) || (id == tokenizer.UnkId && span.Contains(surface, StringComparison.Ordinal));
            if (!found) problems.Add($"{where}: token '{token}' not found in span '{span}' (normalized '{expected}')");
        }
        for (int k = 0; k < text.Length; k++)
        {
            if (!covered[k] && char.IsLetterOrDigit(text[k])) problems.Add($"{where}: char {k} '{text[k]}' is in no token span");
        }
    }

    private static string Normalize(string span, bool lower)
    {
        string value = lower ? span.ToLowerInvariant() : span;
        return value.Normalize(NormalizationForm.FormKC);
    }
}
