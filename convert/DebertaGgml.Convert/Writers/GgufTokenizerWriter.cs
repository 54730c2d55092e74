using DebertaGgml.Gguf;
using DebertaGgml.Tokenization;

namespace DebertaGgml.Convert;

/// <summary>Writes a <see cref="TokenizerModelData"/> as the tokenizer.* keys of docs/gguf.md (read back by <see cref="GgufTokenizer"/>).</summary>
public static class GgufTokenizerWriter
{
    /// <summary>Sets every tokenizer key of <paramref name="data"/> on <paramref name="writer"/>.</summary>
    public static void Write(GgufWriter writer, TokenizerModelData data)
    {
        if (data.Scores.Count != data.Pieces.Count || data.Kinds.Count != data.Pieces.Count)
            throw new ArgumentException($"tokenizer has {data.Pieces.Count} pieces but {data.Scores.Count} scores and {data.Kinds.Count} kinds");
        writer.Set(GgufTokenizer.Model, GgufValue.Of(GgufTokenizer.UnigramModelName));
        writer.Set(GgufTokenizer.Tokens, GgufValue.Of(data.Pieces.ToArray()));
        writer.Set(GgufTokenizer.Scores, GgufValue.Of(data.Scores.ToArray()));
        writer.Set(GgufTokenizer.TokenType, GgufValue.Of(data.Kinds.Select(k => (int)k).ToArray()));
        writer.Set(GgufTokenizer.BosId, GgufValue.Of(CheckedId(data.ClsId, "[CLS]", data)));
        writer.Set(GgufTokenizer.ClsId, GgufValue.Of(CheckedId(data.ClsId, "[CLS]", data)));
        writer.Set(GgufTokenizer.EosId, GgufValue.Of(CheckedId(data.SepId, "[SEP]", data)));
        writer.Set(GgufTokenizer.SepId, GgufValue.Of(CheckedId(data.SepId, "[SEP]", data)));
        writer.Set(GgufTokenizer.UnkId, GgufValue.Of(CheckedId(data.UnkId, "[UNK]", data)));
        writer.Set(GgufTokenizer.PadId, GgufValue.Of(CheckedId(data.PadId, "[PAD]", data)));
        if (data.MaskId >= 0) writer.Set(GgufTokenizer.MaskId, GgufValue.Of(CheckedId(data.MaskId, "[MASK]", data)));
        writer.Set(GgufTokenizer.AddBos, GgufValue.Of(true));
        writer.Set(GgufTokenizer.AddEos, GgufValue.Of(true));
        writer.Set(GgufTokenizer.AddSpacePrefix, GgufValue.Of(data.AddDummyPrefix));
        writer.Set(GgufTokenizer.RemoveExtraWhitespaces, GgufValue.Of(data.RemoveExtraWhitespaces));
        writer.Set(GgufTokenizer.PrecompiledCharsmap, GgufValue.Of(data.PrecompiledCharsmap));
        writer.Set(GgufTokenizer.DoLowerCase, GgufValue.Of(data.DoLowerCase));
        writer.Set(GgufTokenizer.SplitByPunct, GgufValue.Of(data.SplitByPunct));
        writer.Set(GgufTokenizer.ByteFallback, GgufValue.Of(data.ByteFallback));
        writer.Set(GgufTokenizer.Source, GgufValue.Of(data.Source == TokenizerSource.TokenizerJson ? "tokenizer_json" : "spm"));
        if (data.ModelMaxLength is int maxLength) writer.Set(GgufTokenizer.ModelMaxLength, GgufValue.Of((uint)maxLength));
    }

    private static uint CheckedId(int id, string what, TokenizerModelData data) =>
        id >= 0 && id < data.Pieces.Count ? (uint)id : throw new ArgumentException($"{what} id {id} is outside the vocabulary of {data.Pieces.Count} pieces");
}
