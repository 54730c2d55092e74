using System.Text.Json;
using DebertaGgml.Convert;
using DebertaGgml.Gguf;
using DebertaGgml.Tokenization;

namespace DebertaGgml.Tests.Convert;

/// <summary>The tokenizer written into the GGUF, checked against the fixture facts and the reference tokenizations.</summary>
public class ConvertTokenizerTests
{
    private static string Fixture(params string[] parts) => Path.Combine([ConvertFixtures.RepoRoot, "tests", "fixtures", .. parts]);

    [Theory]
    [MemberData(nameof(ConvertFixtures.AllModels), MemberType = typeof(ConvertFixtures))]
    public void Gguf_carries_the_tokenizer_and_reproduces_the_reference_ids(string model)
    {
        using var temp = new ConvertFixtures.TempDir();
        string output = temp.File("model.gguf");
        HfToGgufConverter.Convert(ConvertFixtures.Model(model), output, new ConvertOptions { Type = GgmlType.Q8_0 });

        bool byteFallback = model.StartsWith("v3bf");
        bool fromJson = model.EndsWith("-tokjson");
        int pieces = byteFallback ? 1920 : 2000; // spm pieces; [MASK] follows at this id
        using (var gguf = GgufFile.Open(output))
        {
            Assert.Equal("t5", gguf.GetString("tokenizer.ggml.model"));
            var tokens = gguf.GetArray<string>("tokenizer.ggml.tokens");
            var types = gguf.GetArray<int>("tokenizer.ggml.token_type");
            Assert.Equal(pieces + 1, tokens.Length);
            Assert.Equal(["[PAD]", "[CLS]", "[SEP]", "[UNK]"], tokens[..4]);
            Assert.Equal([3, 3, 3, 2], types[..4]);
            Assert.Equal("[MASK]", tokens[pieces]);
            Assert.Equal((uint)pieces, gguf.GetUInt32("tokenizer.ggml.mask_token_id"));
            Assert.Equal(1u, gguf.GetUInt32("tokenizer.ggml.cls_token_id"));
            Assert.Equal(2u, gguf.GetUInt32("tokenizer.ggml.seperator_token_id"));
            Assert.Equal(3u, gguf.GetUInt32("tokenizer.ggml.unknown_token_id"));
            Assert.Equal(0u, gguf.GetUInt32("tokenizer.ggml.padding_token_id"));
            Assert.True(gguf.GetBool("tokenizer.ggml.add_space_prefix"));
            Assert.NotEmpty(gguf.GetArray<byte>("tokenizer.ggml.precompiled_charsmap"));
            Assert.Equal(fromJson ? "tokenizer_json" : "spm", gguf.GetString("tokenizer.deberta.source"));
            Assert.Equal(512u, gguf.GetUInt32("tokenizer.deberta.model_max_length"));
            if (byteFallback)
            {
                Assert.Equal(Enumerable.Range(0, 256).Select(b => $"<0x{b:X2}>"), tokens[4..260]);
                Assert.All(types[4..260], t => Assert.Equal(6, t));
            }
        }

        // The tokenizer rebuilt from the GGUF alone gives the reference input_ids (slow refs; fast refs for tokenizer.json).
        var tokenizer = DebertaTokenizer.FromGguf(output);
        string refsFolder = byteFallback ? "tokenizer_bf" : "tokenizer";
        if (fromJson)
        {
            using var fast = JsonDocument.Parse(File.ReadAllBytes(Fixture(refsFolder, "tokenizer_refs_fast.json")));
            foreach (var item in fast.RootElement.GetProperty("cases").EnumerateArray().Where(c => !c.TryGetProperty("text_pair", out var p) || p.ValueKind == JsonValueKind.Null))
                Assert.Equal(Ints(item.GetProperty("input_ids")), tokenizer.Encode(item.GetProperty("text").GetString()!).Ids);
            return;
        }
        using var refs = JsonDocument.Parse(File.ReadAllBytes(Fixture(refsFolder, "tokenizer_refs.json")));
        var variant = refs.RootElement.GetProperty("variants").EnumerateArray()
            .Single(v => !v.GetProperty("do_lower_case").GetBoolean() && !v.GetProperty("split_by_punct").GetBoolean());
        foreach (var single in variant.GetProperty("singles").EnumerateArray())
            Assert.Equal(Ints(single.GetProperty("input_ids")), tokenizer.Encode(single.GetProperty("text").GetString()!).Ids);
    }

    [Fact]
    public void Folder_without_a_tokenizer_is_refused()
    {
        using var temp = new ConvertFixtures.TempDir();
        string folder = ConvertFixtures.CopyModel("v3-Model", temp);
        File.Delete(Path.Combine(folder, "spm.model"));
        var e = Assert.Throws<ConvertException>(() => HfToGgufConverter.Convert(folder, temp.File("out.gguf")));
        Assert.Equal(folder, e.File);
        Assert.Contains("no tokenizer found", e.Problem);
        Assert.False(File.Exists(temp.File("out.gguf")));
    }

    [Fact]
    public void Corrupt_spm_model_is_reported_with_its_path()
    {
        using var temp = new ConvertFixtures.TempDir();
        string folder = ConvertFixtures.CopyModel("v3-Model", temp);
        string spm = Path.Combine(folder, "spm.model");
        File.WriteAllBytes(spm, File.ReadAllBytes(spm)[..100]);
        var e = Assert.Throws<ConvertException>(() => HfToGgufConverter.Convert(folder, temp.File("out.gguf")));
        Assert.Equal(spm, e.File);
        Assert.False(File.Exists(temp.File("out.gguf")));
    }

    [Fact]
    public void Tokenizer_larger_than_the_embedding_is_refused()
    {
        using var temp = new ConvertFixtures.TempDir();
        string folder = ConvertFixtures.CopyModel("v3-Model", temp);
        string config = Path.Combine(folder, "config.json");
        File.WriteAllText(config, File.ReadAllText(config).Replace("\"vocab_size\": 2008", "\"vocab_size\": 1999"));
        var e = Assert.Throws<ConvertException>(() => HfToGgufConverter.Convert(folder, temp.File("out.gguf")));
        Assert.Equal(Path.Combine(folder, "spm.model"), e.File);
        Assert.Contains("2001 tokens but config.json vocab_size is 1999", e.Problem);
    }

    private static int[] Ints(JsonElement array) => array.EnumerateArray().Select(e => e.GetInt32()).ToArray();
}
