using System.Diagnostics;
using DebertaGgml.Tokenization;
using static DebertaGgml.Tests.Tokenization.TokenizerFixtures;

namespace DebertaGgml.Tests.Tokenization;

public class RobustnessTests
{
    private static readonly DebertaTokenizer Tokenizer = DebertaTokenizer.FromSentencePiece(FixturePath("tokenizer_bf", "spm.model"));

    [Fact]
    public void Null_arguments_throw_ArgumentNullException()
    {
        Assert.Throws<ArgumentNullException>(() => Tokenizer.Encode(null!));
        Assert.Throws<ArgumentNullException>(() => Tokenizer.EncodeToIds(null!));
        Assert.Throws<ArgumentNullException>(() => Tokenizer.Tokenize(null!));
        Assert.Throws<ArgumentNullException>(() => Tokenizer.EncodeBatch(null!));
        Assert.Throws<ArgumentNullException>(() => Tokenizer.EncodeBatch(["a", null!]));
        Assert.Throws<ArgumentNullException>(() => Tokenizer.Decode(null!));
        Assert.Throws<ArgumentNullException>(() => Tokenizer.TokenToId(null!));
        Assert.Throws<ArgumentNullException>(() => DebertaTokenizer.FromSentencePiece((string)null!));
        Assert.Throws<ArgumentNullException>(() => DebertaTokenizer.FromTokenizerJson(null!));
        Assert.Throws<ArgumentNullException>(() => DebertaTokenizer.FromModelData(null!));
    }

    [Theory]
    [InlineData("lone high \uD83D here")]
    [InlineData("lone low \uDE00 here")]
    [InlineData("\uDE00\uD83D")]
    [InlineData("ends with high \uD83D")]
    public void Invalid_utf16_is_encoded_as_replacement_characters_without_throwing(string text)
    {
        var encoding = Tokenizer.Encode(text);
        Assert.Equal(Tokenizer.ClsId, encoding.Ids[0]);
        Assert.Equal(Tokenizer.SepId, encoding.Ids[^1]);
        // nmt_nfkc turns U+FFFD into a space, so the lone surrogates vanish like whitespace.
        Assert.Equal(Tokenizer.Encode(text.Replace("\uD83D", " ").Replace("\uDE00", " ")).Ids, encoding.Ids);
        foreach (var (start, end) in encoding.Offsets) Assert.InRange(end, start, text.Length);
        var fromJson = DebertaTokenizer.FromTokenizerJson(FixturePath("tokenizer_bf", "tokenizer.json")).Encode(text);
        foreach (var (start, end) in fromJson.Offsets) Assert.InRange(end, start, text.Length);
    }

    [Fact]
    public void Unknown_ids_in_decode_are_rejected_with_the_id()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Tokenizer.Decode([1, 99999]));
        Assert.Contains("99999", error.Message);
    }

    [Fact]
    public void Corrupt_model_files_give_a_clear_error_naming_the_file()
    {
        string path = Path.Combine(Path.GetTempPath(), $"corrupt-{Guid.NewGuid():N}.model");
        File.WriteAllBytes(path, [0x0A, 0xFF, 0xFF, 0xFF, 0x0F, 0x01]);
        try
        {
            var error = Assert.Throws<InvalidDataException>(() => DebertaTokenizer.FromSentencePiece(path));
            Assert.Contains(path, error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Encoding_time_grows_linearly_up_to_10_megabytes()
    {
        const string paragraph = "The manual page is displayed by the pager. Emoji 😀 and 日本語 text, numbers 12345; ";
        string Build(int chars) => string.Concat(Enumerable.Repeat(paragraph, chars / paragraph.Length + 1))[..chars];
        string small = Build(1_000_000), large = Build(10_000_000);
        Tokenizer.EncodeToIds(Build(100_000)); // warm-up
        // Best of three: the machines are shared, and one slow run says nothing about growth.
        var smallTime = BestOfThree(() => Tokenizer.EncodeToIds(small));
        var largeIds = 0;
        var largeTime = BestOfThree(() => largeIds = Tokenizer.EncodeToIds(large).Count);
        Assert.True(largeIds > 1_000_000, $"{largeIds} ids");
        double ratio = largeTime.TotalSeconds / smallTime.TotalSeconds;
        Assert.True(ratio < 25, $"1 MB took {smallTime.TotalMilliseconds:F0} ms, 10 MB took {largeTime.TotalMilliseconds:F0} ms (ratio {ratio:F1})");
        Assert.True(largeTime < TimeSpan.FromSeconds(60), $"10 MB took {largeTime}");
    }

    [Fact]
    public void Single_10_megabyte_word_without_spaces_finishes()
    {
        string word = new('a', 10_000_000);
        var time = Time(() => Assert.NotEmpty(Tokenizer.EncodeToIds(word)));
        Assert.True(time < TimeSpan.FromSeconds(60), $"took {time}");
    }

    private static TimeSpan BestOfThree(Action action) => Enumerable.Range(0, 3).Select(_ => Time(action)).Min();

    private static TimeSpan Time(Action action)
    {
        var watch = Stopwatch.StartNew();
        action();
        return watch.Elapsed;
    }
}
