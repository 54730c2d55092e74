using System.Text.Json;
using DebertaGgml.Tokenization;
using static DebertaGgml.Tests.Tokenization.TokenizerFixtures;

namespace DebertaGgml.Tests.Tokenization;

/// <summary>Every case of tokenizer*/tokenizer_refs.json (HF slow DebertaV2Tokenizer), tokenizer built from spm.model.</summary>
public class SentencePieceReferenceTests
{
    public static IEnumerable<object[]> Variants() => FolderVariants();

    [Theory]
    [MemberData(nameof(Variants))]
    public void Singles_match_tokens_ids_and_decoding(string folder, int variantIndex)
    {
        var variant = LoadRefs(folder).GetProperty("variants")[variantIndex];
        var tokenizer = SentencePieceTokenizer(folder, variant);
        var log = new MismatchLog();
        foreach (var single in variant.GetProperty("singles").EnumerateArray())
        {
            string text = single.GetProperty("text").GetString()!;
            log.Check($"tokens of {Show(text)}", Strings(single.GetProperty("tokens")), tokenizer.Tokenize(text));
            log.Check($"ids_no_special of {Show(text)}", Ints(single.GetProperty("ids_no_special")),
                tokenizer.EncodeToIds(text, options: new EncodeOptions { AddSpecialTokens = false }));
            var input = Ints(single.GetProperty("input_ids"));
            log.Check($"input_ids of {Show(text)}", input, tokenizer.Encode(text).Ids);
            log.Check($"decoded of {Show(text)}", single.GetProperty("decoded").GetString()!, tokenizer.Decode(input, skipSpecialTokens: true));
        }
        log.AssertEmpty();
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Pairs_match_ids_type_ids_and_masks(string folder, int variantIndex)
    {
        var variant = LoadRefs(folder).GetProperty("variants")[variantIndex];
        var tokenizer = SentencePieceTokenizer(folder, variant);
        var log = new MismatchLog();
        foreach (var pair in variant.GetProperty("pairs").EnumerateArray())
        {
            string text = pair.GetProperty("text").GetString()!;
            string second = pair.GetProperty("text_pair").GetString()!;
            var encoding = tokenizer.Encode(text, second);
            string what = $"pair {Show(text)} / {Show(second)}";
            log.Check($"{what} input_ids", Ints(pair.GetProperty("input_ids")), encoding.Ids);
            log.Check($"{what} token_type_ids", Ints(pair.GetProperty("token_type_ids")), encoding.TypeIds);
            log.Check($"{what} special_tokens_mask", Ints(pair.GetProperty("special_tokens_mask")), encoding.SpecialTokensMask);
            log.Check($"{what} attention_mask", Ints(pair.GetProperty("attention_mask")), encoding.AttentionMask);
        }
        log.AssertEmpty();
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Truncation_matches_every_strategy(string folder, int variantIndex)
    {
        var variant = LoadRefs(folder).GetProperty("variants")[variantIndex];
        var tokenizer = SentencePieceTokenizer(folder, variant);
        var log = new MismatchLog();
        foreach (var item in variant.GetProperty("truncation").EnumerateArray())
        {
            string text = item.GetProperty("text").GetString()!;
            string? second = OptionalString(item, "text_pair");
            var options = new EncodeOptions
            {
                MaxLength = item.GetProperty("max_length").GetInt32(),
                Truncation = Strategy(item.GetProperty("strategy").GetString()!),
            };
            var encoding = tokenizer.Encode(text, second, options);
            var result = item.GetProperty("result");
            string what = $"{item.GetProperty("strategy").GetString()} {options.MaxLength} {Show(text)} / {Show(second ?? "-")}";
            log.Check($"{what} input_ids", Ints(result.GetProperty("input_ids")), encoding.Ids);
            if (result.TryGetProperty("token_type_ids", out var types)) log.Check($"{what} token_type_ids", Ints(types), encoding.TypeIds);
            if (result.TryGetProperty("special_tokens_mask", out var mask)) log.Check($"{what} special_tokens_mask", Ints(mask), encoding.SpecialTokensMask);
        }
        log.AssertEmpty();
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Batch_padding_pads_to_the_longest(string folder, int variantIndex)
    {
        var variant = LoadRefs(folder).GetProperty("variants")[variantIndex];
        var tokenizer = SentencePieceTokenizer(folder, variant);
        var batch = variant.GetProperty("batch_padding");
        var encodings = tokenizer.EncodeBatch(Strings(batch.GetProperty("texts")), options: new EncodeOptions { Padding = PaddingStrategy.Longest });
        var log = new MismatchLog();
        var expectedIds = batch.GetProperty("input_ids").EnumerateArray().ToArray();
        Assert.Equal(expectedIds.Length, encodings.Count);
        for (int i = 0; i < encodings.Count; i++)
        {
            log.Check($"row {i} input_ids", Ints(expectedIds[i]), encodings[i].Ids);
            log.Check($"row {i} attention_mask", Ints(batch.GetProperty("attention_mask")[i]), encodings[i].AttentionMask);
            log.Check($"row {i} token_type_ids", Ints(batch.GetProperty("token_type_ids")[i]), encodings[i].TypeIds);
        }
        log.AssertEmpty();
    }

    internal static string Show(string text) => JsonSerializer.Serialize(text);
}
