using DebertaGgml.Tokenization;
using static DebertaGgml.Tests.Tokenization.TokenizerFixtures;

namespace DebertaGgml.Tests.Tokenization;

/// <summary>The langid demo's 3000 test texts, encoded by HF's slow tokenizer with its 8000-piece byte-fallback spm.</summary>
public class DemoReferenceTests
{
    [Fact]
    public void Every_demo_text_encodes_to_the_reference_input_ids()
    {
        var tokenizer = DebertaTokenizer.FromFile(FixturePath("demo", "langid"));
        Assert.Equal(8000, tokenizer.MaskId);
        Assert.True(tokenizer.Data.ByteFallback);
        var items = LoadRefs("demo", "test_ref.json").GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(3000, items.Count);
        var log = new MismatchLog();
        foreach (var item in items)
        {
            string text = item.GetProperty("text").GetString()!;
            log.Check($"input_ids of {SentencePieceReferenceTests.Show(text)}", Ints(item.GetProperty("input_ids")), tokenizer.EncodeToIds(text));
        }
        log.AssertEmpty();
    }
}
