using DebertaGgml.Tokenization;

namespace DebertaGgml.Gguf;

/// <summary>Maps a <see cref="TokenizerModelData"/> to the tokenizer.* keys of docs/gguf.md and back.</summary>
public static class GgufTokenizer
{
    public const string Model = "tokenizer.ggml.model";
    public const string Tokens = "tokenizer.ggml.tokens";
    public const string Scores = "tokenizer.ggml.scores";
    public const string TokenType = "tokenizer.ggml.token_type";
    public const string BosId = "tokenizer.ggml.bos_token_id";
    public const string ClsId = "tokenizer.ggml.cls_token_id";
    public const string EosId = "tokenizer.ggml.eos_token_id";
    public const string SepId = "tokenizer.ggml.seperator_token_id";
    public const string UnkId = "tokenizer.ggml.unknown_token_id";
    public const string PadId = "tokenizer.ggml.padding_token_id";
    public const string MaskId = "tokenizer.ggml.mask_token_id";
    public const string AddBos = "tokenizer.ggml.add_bos_token";
    public const string AddEos = "tokenizer.ggml.add_eos_token";
    public const string AddSpacePrefix = "tokenizer.ggml.add_space_prefix";
    public const string RemoveExtraWhitespaces = "tokenizer.ggml.remove_extra_whitespaces";
    public const string PrecompiledCharsmap = "tokenizer.ggml.precompiled_charsmap";
    public const string DoLowerCase = "tokenizer.deberta.do_lower_case";
    public const string SplitByPunct = "tokenizer.deberta.split_by_punct";
    public const string ByteFallback = "tokenizer.deberta.byte_fallback";
    public const string Source = "tokenizer.deberta.source";
    public const string ModelMaxLength = "tokenizer.deberta.model_max_length";

    /// <summary>llama.cpp's model name for a SentencePiece unigram vocabulary.</summary>
    public const string UnigramModelName = "t5";

    public static TokenizerModelData Read(GgufFile file)
    {
        string model = file.GetString(Model);
        if (model != UnigramModelName)
            throw new InvalidDataException($"{file.Path}: tokenizer model '{model}' is not supported (expected '{UnigramModelName}')");
        var pieces = file.GetArray<string>(Tokens);
        var scores = file.GetArray<float>(Scores);
        var kinds = file.GetArray<int>(TokenType);
        if (scores.Length != pieces.Length || kinds.Length != pieces.Length)
            throw new InvalidDataException($"{file.Path}: {pieces.Length} tokens but {scores.Length} scores and {kinds.Length} token types");
        string source = file.GetString(Source);
        return new TokenizerModelData
        {
            Pieces = pieces,
            Scores = scores,
            Kinds = kinds.Select(k => Enum.IsDefined((PieceKind)k) ? (PieceKind)k
                : throw new InvalidDataException($"{file.Path}: token type {k} is not a known piece type")).ToArray(),
            ClsId = (int)file.GetUInt32(ClsId),
            SepId = (int)file.GetUInt32(SepId),
            UnkId = (int)file.GetUInt32(UnkId),
            PadId = (int)file.GetUInt32(PadId),
            MaskId = file.TryGet(MaskId, out _) ? (int)file.GetUInt32(MaskId) : -1,
            AddDummyPrefix = file.GetBool(AddSpacePrefix),
            RemoveExtraWhitespaces = file.GetBool(RemoveExtraWhitespaces),
            PrecompiledCharsmap = file.GetArray<byte>(PrecompiledCharsmap),
            DoLowerCase = file.GetBool(DoLowerCase),
            SplitByPunct = file.GetBool(SplitByPunct),
            ByteFallback = file.GetBool(ByteFallback),
            Source = source switch
            {
                "spm" => TokenizerSource.SentencePiece,
                "tokenizer_json" => TokenizerSource.TokenizerJson,
                _ => throw new InvalidDataException($"{file.Path}: tokenizer source '{source}' is not 'spm' or 'tokenizer_json'"),
            },
            ModelMaxLength = file.TryGet(ModelMaxLength, out _) ? (int)file.GetUInt32(ModelMaxLength) : null,
        };
    }
}
