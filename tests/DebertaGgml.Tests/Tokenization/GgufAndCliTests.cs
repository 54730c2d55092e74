using DebertaGgml.Convert;
using System.Text.Json;
using DebertaGgml.Cli.Commands;
using DebertaGgml.Gguf;
using DebertaGgml.Tokenization;
using static DebertaGgml.Tests.Tokenization.TokenizerFixtures;

namespace DebertaGgml.Tests.Tokenization;

/// <summary>The GGUF tokenizer keys round trip, and the `deberta tokenize` output against the slow references.</summary>
public class GgufAndCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("deberta-tokenizer-test-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static IEnumerable<object[]> Variants() => FolderVariants();

    [Theory]
    [MemberData(nameof(Variants))]
    public void Gguf_written_from_the_spm_reproduces_every_reference(string folder, int variantIndex)
    {
        var variant = LoadRefs(folder).GetProperty("variants")[variantIndex];
        var fromSpm = SentencePieceTokenizer(folder, variant);
        var fromGguf = DebertaTokenizer.FromGguf(WriteGguf(fromSpm.Data, $"{folder}-{variantIndex}.gguf"));
        Assert.Equal(fromSpm.Data.DoLowerCase, fromGguf.Data.DoLowerCase);
        Assert.Equal(fromSpm.Data.SplitByPunct, fromGguf.Data.SplitByPunct);
        var log = new MismatchLog();
        foreach (var single in variant.GetProperty("singles").EnumerateArray())
        {
            string text = single.GetProperty("text").GetString()!;
            log.Check($"input_ids of {SentencePieceReferenceTests.Show(text)}", Ints(single.GetProperty("input_ids")), fromGguf.Encode(text).Ids);
            log.Check($"decoded of {SentencePieceReferenceTests.Show(text)}", single.GetProperty("decoded").GetString()!, fromGguf.Decode(Ints(single.GetProperty("input_ids"))));
        }
        foreach (var pair in variant.GetProperty("pairs").EnumerateArray())
        {
            var encoding = fromGguf.Encode(pair.GetProperty("text").GetString()!, pair.GetProperty("text_pair").GetString()!);
            log.Check("pair input_ids", Ints(pair.GetProperty("input_ids")), encoding.Ids);
            log.Check("pair token_type_ids", Ints(pair.GetProperty("token_type_ids")), encoding.TypeIds);
        }
        log.AssertEmpty();
    }

    [Fact]
    public void Gguf_written_from_tokenizer_json_keeps_the_fast_behaviour()
    {
        var fromJson = DebertaTokenizer.FromTokenizerJson(FixturePath("tokenizer_bf", "tokenizer.json"));
        var fromGguf = DebertaTokenizer.FromGguf(WriteGguf(fromJson.Data, "json.gguf"));
        Assert.Equal(TokenizerSource.TokenizerJson, fromGguf.Data.Source);
        foreach (var item in LoadRefs("tokenizer_bf", "tokenizer_refs_fast.json").GetProperty("cases").EnumerateArray())
        {
            string text = item.GetProperty("text").GetString()!;
            string? pair = OptionalString(item, "text_pair");
            Assert.Equal(fromJson.Encode(text, pair).Ids, fromGguf.Encode(text, pair).Ids);
        }
    }

    [Theory]
    [InlineData("tokenizer_bf", false)]
    [InlineData("tokenizer_bf", true)]
    [InlineData("tokenizer", true)]
    public void Cli_output_matches_the_pair_and_truncation_references(string folder, bool viaGguf)
    {
        var refs = LoadRefs(folder);
        int variantIndex = 3; // do_lower_case and split_by_punct, given as command-line overrides
        var variant = refs.GetProperty("variants")[variantIndex];
        string model = viaGguf ? WriteGguf(DebertaTokenizer.FromSentencePiece(FixturePath(folder, "spm.model")).Data, "cli.gguf") : FixturePath(folder, "spm.model");
        var tokenizer = DebertaTokenizer.FromFile(model, OptionsOf(variant));

        var pairs = variant.GetProperty("pairs").EnumerateArray().ToList();
        var lines = RunCli(tokenizer, pairs.Select(p => (p.GetProperty("text").GetString()!, p.GetProperty("text_pair").GetString())), new EncodeOptions());
        var log = new MismatchLog();
        for (int i = 0; i < pairs.Count; i++)
        {
            log.Check($"pair {i} input_ids", Ints(pairs[i].GetProperty("input_ids")), Ints(lines[i].GetProperty("input_ids")));
            log.Check($"pair {i} token_type_ids", Ints(pairs[i].GetProperty("token_type_ids")), Ints(lines[i].GetProperty("token_type_ids")));
            log.Check($"pair {i} special_tokens_mask", Ints(pairs[i].GetProperty("special_tokens_mask")), Ints(lines[i].GetProperty("special_tokens_mask")));
            Assert.Equal(lines[i].GetProperty("tokens").GetArrayLength(), lines[i].GetProperty("offsets").GetArrayLength());
        }
        foreach (var item in variant.GetProperty("truncation").EnumerateArray())
        {
            var options = new EncodeOptions { MaxLength = item.GetProperty("max_length").GetInt32(), Truncation = Strategy(item.GetProperty("strategy").GetString()!) };
            var line = RunCli(tokenizer, [(item.GetProperty("text").GetString()!, OptionalString(item, "text_pair"))], options).Single();
            log.Check($"truncation {item.GetProperty("strategy").GetString()} {options.MaxLength}", Ints(item.GetProperty("result").GetProperty("input_ids")), Ints(line.GetProperty("input_ids")));
        }
        foreach (var single in variant.GetProperty("singles").EnumerateArray())
        {
            var line = RunCli(tokenizer, [(single.GetProperty("text").GetString()!, null)], new EncodeOptions()).Single();
            log.Check("tokens", ["[CLS]", .. Strings(single.GetProperty("tokens")), "[SEP]"], Strings(line.GetProperty("tokens")));
        }
        log.AssertEmpty();
    }

    [Fact]
    public void Cli_reports_the_line_of_bad_input_and_goes_on()
    {
        string input = Path.Combine(_dir, "bad.jsonl");
        File.WriteAllLines(input, ["{\"text\": \"fine\"}", "{\"pair\": \"no text\"}", "not json", "{\"text\": \"also fine\"}"]);
        var tokenizer = DebertaTokenizer.FromSentencePiece(FixturePath("tokenizer", "spm.model"));
        using var output = new MemoryStream();
        Assert.Equal(2, TokenizeCommand.Run(tokenizer, input, new EncodeOptions(), output));
        var lines = System.Text.Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
        Assert.Equal(4, lines.Count);
        Assert.Equal(tokenizer.Encode("fine").Ids, lines[0].GetProperty("input_ids").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(2, lines[1].GetProperty("line").GetInt32());
        Assert.Contains("bad.jsonl:2", lines[1].GetProperty("error").GetString());
        Assert.Equal(3, lines[2].GetProperty("line").GetInt32());
        Assert.Contains("not valid JSON", lines[2].GetProperty("error").GetString());
        Assert.Equal(tokenizer.Encode("also fine").Ids, lines[3].GetProperty("input_ids").EnumerateArray().Select(e => e.GetInt32()));
    }

    private List<JsonElement> RunCli(DebertaTokenizer tokenizer, IEnumerable<(string Text, string? Pair)> inputs, EncodeOptions options)
    {
        string input = Path.Combine(_dir, $"in-{Guid.NewGuid():N}.jsonl");
        File.WriteAllLines(input, inputs.Select(i => JsonSerializer.Serialize(new { text = i.Text, pair = i.Pair })));
        using var output = new MemoryStream();
        TokenizeCommand.Run(tokenizer, input, options, output);
        string text = System.Text.Encoding.UTF8.GetString(output.ToArray());
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
    }

    private string WriteGguf(TokenizerModelData data, string name)
    {
        var writer = new GgufWriter();
        writer.Set("general.architecture", GgufValue.Of("deberta-v2"));
        GgufTokenizerWriter.Write(writer, data);
        string path = Path.Combine(_dir, name);
        using (var stream = File.Create(path))
        {
            writer.WriteHeader(stream);
            writer.Complete();
        }
        return path;
    }
}
