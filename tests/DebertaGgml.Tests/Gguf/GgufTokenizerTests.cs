using DebertaGgml.Convert;
using DebertaGgml.Gguf;
using DebertaGgml.Tokenization;

namespace DebertaGgml.Tests.Gguf;

public class GgufTokenizerTests
{
    private static readonly TokenizerModelData Sample = new()
    {
        Pieces = ["[PAD]", "[CLS]", "[SEP]", "[UNK]", "<0x41>", "▁the", "s", "[MASK]"],
        Scores = [0, 0, 0, 0, 0, -3.25f, -7.5f, 0],
        Kinds = [PieceKind.Control, PieceKind.Control, PieceKind.Control, PieceKind.Unknown, PieceKind.Byte, PieceKind.Normal, PieceKind.Normal, PieceKind.UserDefined],
        MaskId = 7,
        AddDummyPrefix = true,
        RemoveExtraWhitespaces = false,
        PrecompiledCharsmap = [1, 2, 3, 250],
        DoLowerCase = true,
        SplitByPunct = true,
        ByteFallback = true,
        Source = TokenizerSource.TokenizerJson,
        ModelMaxLength = 512,
    };

    private static GgufFile WriteAndOpen(string path, TokenizerModelData data)
    {
        var writer = new GgufWriter();
        GgufTokenizerWriter.Write(writer, data);
        using (var stream = File.Create(path))
        {
            writer.WriteHeader(stream);
            writer.Complete();
        }
        return GgufFile.Open(path);
    }

    [Fact]
    public void Tokenizer_round_trips_through_the_documented_keys()
    {
        string path = Path.Combine(Path.GetTempPath(), $"tok-{Guid.NewGuid():N}.gguf");
        try
        {
            using var file = WriteAndOpen(path, Sample);
            // The keys docs/gguf.md names, with llama.cpp's types.
            Assert.Equal("t5", file.GetString("tokenizer.ggml.model"));
            Assert.Equal(Sample.Pieces, file.GetArray<string>("tokenizer.ggml.tokens"));
            Assert.Equal(Sample.Scores, file.GetArray<float>("tokenizer.ggml.scores"));
            Assert.Equal([3, 3, 3, 2, 6, 1, 1, 4], file.GetArray<int>("tokenizer.ggml.token_type"));
            Assert.Equal(1u, file.GetUInt32("tokenizer.ggml.bos_token_id"));
            Assert.Equal(1u, file.GetUInt32("tokenizer.ggml.cls_token_id"));
            Assert.Equal(2u, file.GetUInt32("tokenizer.ggml.eos_token_id"));
            Assert.Equal(2u, file.GetUInt32("tokenizer.ggml.seperator_token_id"));
            Assert.Equal(3u, file.GetUInt32("tokenizer.ggml.unknown_token_id"));
            Assert.Equal(0u, file.GetUInt32("tokenizer.ggml.padding_token_id"));
            Assert.Equal(7u, file.GetUInt32("tokenizer.ggml.mask_token_id"));
            Assert.True(file.GetBool("tokenizer.ggml.add_bos_token"));
            Assert.True(file.GetBool("tokenizer.ggml.add_eos_token"));
            Assert.True(file.GetBool("tokenizer.ggml.add_space_prefix"));
            Assert.False(file.GetBool("tokenizer.ggml.remove_extra_whitespaces"));
            Assert.Equal(new byte[] { 1, 2, 3, 250 }, file.GetArray<byte>("tokenizer.ggml.precompiled_charsmap"));
            Assert.True(file.GetBool("tokenizer.deberta.do_lower_case"));
            Assert.True(file.GetBool("tokenizer.deberta.split_by_punct"));
            Assert.True(file.GetBool("tokenizer.deberta.byte_fallback"));
            Assert.Equal("tokenizer_json", file.GetString("tokenizer.deberta.source"));
            Assert.Equal(512u, file.GetUInt32("tokenizer.deberta.model_max_length"));

            var back = GgufTokenizer.Read(file);
            Assert.Equal(Sample.Pieces, back.Pieces);
            Assert.Equal(Sample.Scores, back.Scores);
            Assert.Equal(Sample.Kinds, back.Kinds);
            Assert.Equal(Sample.PrecompiledCharsmap, back.PrecompiledCharsmap);
            Assert.Equal(Sample with { Pieces = back.Pieces, Scores = back.Scores, Kinds = back.Kinds, PrecompiledCharsmap = back.PrecompiledCharsmap }, back);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Optional_keys_are_absent_when_unset_and_read_back_as_defaults()
    {
        string path = Path.Combine(Path.GetTempPath(), $"tok-{Guid.NewGuid():N}.gguf");
        try
        {
            using var file = WriteAndOpen(path, Sample with { MaskId = -1, ModelMaxLength = null, Source = TokenizerSource.SentencePiece });
            Assert.False(file.TryGet("tokenizer.ggml.mask_token_id", out _));
            Assert.False(file.TryGet("tokenizer.deberta.model_max_length", out _));
            Assert.Equal("spm", file.GetString("tokenizer.deberta.source"));
            var back = GgufTokenizer.Read(file);
            Assert.Equal(-1, back.MaskId);
            Assert.Null(back.ModelMaxLength);
            Assert.Equal(TokenizerSource.SentencePiece, back.Source);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Special_ids_outside_the_vocabulary_are_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => GgufTokenizerWriter.Write(new GgufWriter(), Sample with { MaskId = 8 }));
        Assert.Contains("[MASK] id 8", e.Message);
    }
}
