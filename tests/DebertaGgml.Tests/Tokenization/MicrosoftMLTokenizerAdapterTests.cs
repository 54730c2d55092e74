using DebertaGgml.Tokenization;
using static DebertaGgml.Tests.Tokenization.TokenizerFixtures;

namespace DebertaGgml.Tests.Tokenization;

/// <summary>The Microsoft.ML.Tokenizers view gives the reference ids (without [CLS]/[SEP]) and HF's decoding.</summary>
public class MicrosoftMLTokenizerAdapterTests
{
    [Fact]
    public void Encodes_and_decodes_like_the_references()
    {
        var adapter = new MicrosoftMLTokenizerAdapter(DebertaTokenizer.FromSentencePiece(FixturePath("tokenizer_bf", "spm.model")));
        foreach (var single in LoadRefs("tokenizer_bf").GetProperty("variants")[0].GetProperty("singles").EnumerateArray())
        {
            string text = single.GetProperty("text").GetString()!;
            var expected = Ints(single.GetProperty("ids_no_special"));
            Assert.Equal(expected, adapter.EncodeToIds(text));
            Assert.Equal(expected.Length, adapter.CountTokens(text));
            Assert.Equal(single.GetProperty("decoded").GetString(), adapter.Decode(Ints(single.GetProperty("input_ids"))));
        }
    }

    [Fact]
    public void Token_budget_cuts_at_a_token_boundary_of_the_original_text()
    {
        var adapter = new MicrosoftMLTokenizerAdapter(DebertaTokenizer.FromSentencePiece(FixturePath("tokenizer", "spm.model")));
        const string text = "The quick brown fox jumps over the lazy dog.";
        var ids = adapter.EncodeToIds(text, 3, out string? normalized, out int consumed);
        Assert.Equal(adapter.EncodeToIds(text).Take(3), ids);
        Assert.Null(normalized);
        Assert.Equal(adapter.EncodeToIds(text[..consumed]), ids);
    }
}
