using DebertaGgml.Convert;
using DebertaGgml.Tokenization;
using static DebertaGgml.Tests.Tokenization.TokenizerFixtures;

namespace DebertaGgml.Tests.Tokenization;

/// <summary>spm.model write-back, sibling HF files, and the model-data hand-off used by the GGUF path.</summary>
public class ModelFileTests
{
    public static IEnumerable<object[]> Folders() => TokenizerFixtures.Folders.Select(f => new object[] { f });

    [Theory]
    [MemberData(nameof(Folders))]
    public void Written_spm_model_reloads_to_the_same_data_and_encodings(string folder)
    {
        var original = DebertaTokenizer.FromSentencePiece(FixturePath(folder, "spm.model"));
        using var stream = new MemoryStream();
        SentencePieceModelWriter.Write(original.Data, stream);
        stream.Position = 0;
        var reloaded = DebertaTokenizer.FromSentencePiece(stream);

        Assert.Equal(original.Data.Pieces, reloaded.Data.Pieces);
        Assert.Equal(original.Data.Scores, reloaded.Data.Scores);
        Assert.Equal(original.Data.Kinds, reloaded.Data.Kinds);
        Assert.Equal(original.Data.PrecompiledCharsmap, reloaded.Data.PrecompiledCharsmap);
        Assert.Equal(original.Data with { Pieces = [], Scores = [], Kinds = [], PrecompiledCharsmap = [] },
            reloaded.Data with { Pieces = [], Scores = [], Kinds = [], PrecompiledCharsmap = [] });
        foreach (var single in LoadRefs(folder).GetProperty("variants")[0].GetProperty("singles").EnumerateArray())
        {
            string text = single.GetProperty("text").GetString()!;
            Assert.Equal(Ints(single.GetProperty("input_ids")), reloaded.Encode(text).Ids);
        }
    }

    [Fact]
    public void Fixture_spm_has_the_documented_vocabulary()
    {
        var refs = LoadRefs("tokenizer_bf");
        var tokenizer = DebertaTokenizer.FromSentencePiece(FixturePath("tokenizer_bf", "spm.model"));
        Assert.Equal(refs.GetProperty("tokenizer_len").GetInt32(), tokenizer.VocabularySize);
        foreach (var special in refs.GetProperty("special_ids").EnumerateObject())
        {
            Assert.Equal(special.Value.GetInt32(), tokenizer.TokenToId(special.Name));
            Assert.Equal(special.Name, tokenizer.IdToToken(special.Value.GetInt32()));
        }
        Assert.Equal(4 + 0x41, tokenizer.TokenToId("<0x41>"));
        Assert.Null(tokenizer.IdToToken(tokenizer.VocabularySize));
    }

    [Fact]
    public void Model_folder_configuration_is_applied_and_command_line_options_override_it()
    {
        string spm = FixturePath("models", "v3-Model", "spm.model");
        var tokenizer = DebertaTokenizer.FromSentencePiece(spm);
        Assert.Equal(512, tokenizer.Data.ModelMaxLength);
        Assert.Equal(2000, tokenizer.MaskId);
        Assert.False(tokenizer.Data.DoLowerCase);
        var lowered = DebertaTokenizer.FromSentencePiece(spm, new DebertaTokenizerOptions { DoLowerCase = true });
        Assert.True(lowered.Data.DoLowerCase);
        Assert.Equal(DebertaTokenizer.FromSentencePiece(FixturePath("tokenizer", "spm.model"), new DebertaTokenizerOptions { DoLowerCase = true }).Encode("HELLO World").Ids,
            lowered.Encode("HELLO World").Ids);
    }

    [Fact]
    public void Tokenizer_json_model_folder_equals_its_spm_twin_on_ordinary_text()
    {
        var json = DebertaTokenizer.FromTokenizerJson(FixturePath("models", "v3-TokenClassification-tokjson", "tokenizer.json"));
        var spm = DebertaTokenizer.FromSentencePiece(FixturePath("models", "v3-TokenClassification", "spm.model"));
        Assert.Equal(spm.Data.Pieces, json.Data.Pieces);
        Assert.Equal(512, json.Data.ModelMaxLength);
        const string text = "The manual page is displayed by the [MASK]. Café naïve!";
        Assert.Equal(spm.Encode(text, "second text").Ids, json.Encode(text, "second text").Ids);
    }

    [Theory]
    [MemberData(nameof(Folders))]
    public void Model_data_round_trip_rebuilds_an_identical_tokenizer(string folder)
    {
        // What the GGUF path does: store TokenizerModelData, rebuild with FromModelData.
        var original = DebertaTokenizer.FromSentencePiece(FixturePath(folder, "spm.model"));
        var copy = original.Data with
        {
            Pieces = original.Data.Pieces.ToArray(),
            Scores = original.Data.Scores.ToArray(),
            Kinds = original.Data.Kinds.ToArray(),
        };
        var rebuilt = DebertaTokenizer.FromModelData(copy);
        foreach (var single in LoadRefs(folder).GetProperty("variants")[0].GetProperty("singles").EnumerateArray())
        {
            string text = single.GetProperty("text").GetString()!;
            Assert.Equal(Ints(single.GetProperty("input_ids")), rebuilt.Encode(text).Ids);
        }
    }

    [Fact]
    public void Malformed_model_data_is_rejected_with_the_reason()
    {
        var data = DebertaTokenizer.FromSentencePiece(FixturePath("tokenizer", "spm.model")).Data;
        var error = Assert.Throws<ArgumentException>(() => DebertaTokenizer.FromModelData(data with { Scores = [1f] }));
        Assert.Contains("scores", error.Message);
        Assert.Throws<ArgumentException>(() => DebertaTokenizer.FromModelData(data with { UnkId = 99999 }));
    }
}
