using DebertaGgml.Tokenization;
using static DebertaGgml.Tests.Tokenization.TokenizerFixtures;

namespace DebertaGgml.Tests.Tokenization;

/// <summary>Overflow windows, padding and decoding options, checked against the untruncated reference encoding.</summary>
public class EncodeOptionsTests
{
    private static readonly DebertaTokenizer Tokenizer = DebertaTokenizer.FromSentencePiece(FixturePath("tokenizer", "spm.model"));
    private const string Long = "One two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen";

    [Fact]
    public void Overflowing_windows_cover_the_text_with_stride_overlap()
    {
        var full = Tokenizer.Encode(Long, options: new EncodeOptions { AddSpecialTokens = false }).Ids;
        var encoding = Tokenizer.Encode(Long, options: new EncodeOptions
        {
            MaxLength = 10, Truncation = TruncationStrategy.LongestFirst, Stride = 3, ReturnOverflowing = true,
        });
        var windows = new[] { encoding }.Concat(encoding.Overflowing).ToList();
        Assert.True(windows.Count > 2);
        int start = 0;
        foreach (var window in windows)
        {
            Assert.Equal(Tokenizer.ClsId, window.Ids[0]);
            Assert.Equal(Tokenizer.SepId, window.Ids[^1]);
            var body = window.Ids.Skip(1).Take(window.Length - 2).ToList();
            Assert.Equal(full.Skip(start).Take(8), body);
            start += 8 - 3;
        }
        Assert.True(start - 5 + 8 >= full.Count, "the last window reaches the end");
    }

    [Fact]
    public void Question_answering_windows_keep_the_question_and_slide_over_the_context()
    {
        const string question = "Which number?";
        var questionIds = Tokenizer.Encode(question, options: new EncodeOptions { AddSpecialTokens = false }).Ids;
        var contextIds = Tokenizer.Encode(Long, options: new EncodeOptions { AddSpecialTokens = false }).Ids;
        var encoding = Tokenizer.Encode(question, Long, new EncodeOptions
        {
            MaxLength = questionIds.Count + 3 + 6, Truncation = TruncationStrategy.OnlySecond, Stride = 2, ReturnOverflowing = true,
        });
        int start = 0;
        foreach (var window in new[] { encoding }.Concat(encoding.Overflowing))
        {
            Assert.Equal(questionIds, window.Ids.Skip(1).Take(questionIds.Count));
            var context = window.Ids.Skip(questionIds.Count + 2).SkipLast(1).ToList();
            Assert.Equal(contextIds.Skip(start).Take(6), context);
            Assert.All(window.TypeIds.Skip(questionIds.Count + 2), t => Assert.Equal(1, t));
            start += 4;
        }
        Assert.True(start >= contextIds.Count - 2);
    }

    [Fact]
    public void Longest_first_pairs_cannot_return_overflow()
    {
        var error = Assert.Throws<ArgumentException>(() => Tokenizer.Encode(Long, Long, new EncodeOptions
        {
            MaxLength = 10, Truncation = TruncationStrategy.LongestFirst, ReturnOverflowing = true,
        }));
        Assert.Contains("only_second", error.Message);
    }

    [Fact]
    public void Padding_to_max_length_fills_with_pad_tokens()
    {
        var encodings = Tokenizer.EncodeBatch(["Hello world", "x"], options: new EncodeOptions { Padding = PaddingStrategy.MaxLength, MaxLength = 12 });
        foreach (var encoding in encodings)
        {
            Assert.Equal(12, encoding.Length);
            int real = encoding.AttentionMask.Count(m => m == 1);
            Assert.All(encoding.Ids.Skip(real), id => Assert.Equal(Tokenizer.PadId, id));
            Assert.All(encoding.SpecialTokensMask.Skip(real), m => Assert.Equal(1, m));
        }
    }

    [Fact]
    public void Decode_keeps_special_tokens_when_asked()
    {
        var ids = Tokenizer.Encode("The [MASK] is here.").Ids;
        string decoded = Tokenizer.Decode(ids, skipSpecialTokens: false);
        Assert.StartsWith("[CLS]", decoded);
        Assert.EndsWith("[SEP]", decoded);
        Assert.Contains("[MASK]", decoded);
        Assert.Equal("The is here.", Tokenizer.Decode(ids));
    }
}
