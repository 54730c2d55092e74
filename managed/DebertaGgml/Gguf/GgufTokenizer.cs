using DebertaGgml.Tokenization;

namespace DebertaGgml.Gguf;

/// <summary>Maps a <see cref="TokenizerModelData"/> to the tokenizer.* keys of docs/gguf.md and back.</summary>
public static class GgufTokenizer
{
    /// <summary>GGUF key <c>tokenizer.ggml.model</c> (docs/gguf.md).</summary>
    public const string Model = "tokenizer.ggml.model";
    /// <summary>GGUF key <c>tokenizer.ggml.tokens</c> (docs/gguf.md).</summary>
    public const string Tokens = "tokenizer.ggml.tokens";
    /// <summary>GGUF key <c>tokenizer.ggml.scores</c> (docs/gguf.md).</summary>
    public const string Scores = "tokenizer.ggml.scores";
    /// <summary>GGUF key <c>tokenizer.ggml.token_type</c> (docs/gguf.md).</summary>
    public const string TokenType = "tokenizer.ggml.token_type";
    /// <summary>GGUF key <c>tokenizer.ggml.bos_token_id</c> (docs/gguf.md).</summary>
    public const string BosId = "tokenizer.ggml.bos_token_id";
    /// <summary>GGUF key <c>tokenizer.ggml.cls_token_id</c> (docs/gguf.md).</summary>
    public const string ClsId = "tokenizer.ggml.cls_token_id";
    /// <summary>GGUF key <c>tokenizer.ggml.eos_token_id</c> (docs/gguf.md).</summary>
    public const string EosId = "tokenizer.ggml.eos_token_id";
    /// <summary>GGUF key <c>tokenizer.ggml.seperator_token_id</c> (docs/gguf.md).</summary>
    public const string SepId = "tokenizer.ggml.seperator_token_id";
    /// <summary>GGUF key <c>tokenizer.ggml.unknown_token_id</c> (docs/gguf.md).</summary>
    public const string UnkId = "tokenizer.ggml.unknown_token_id";
    /// <summary>GGUF key <c>tokenizer.ggml.padding_token_id</c> (docs/gguf.md).</summary>
    public const string PadId = "tokenizer.ggml.padding_token_id";
    /// <summary>GGUF key <c>tokenizer.ggml.mask_token_id</c> (docs/gguf.md).</summary>
    public const string MaskId = "tokenizer.ggml.mask_token_id";
    /// <summary>GGUF key <c>tokenizer.ggml.add_bos_token</c> (docs/gguf.md).</summary>
    public const string AddBos = "tokenizer.ggml.add_bos_token";
    /// <summary>GGUF key <c>tokenizer.ggml.add_eos_token</c> (docs/gguf.md).</summary>
    public const string AddEos = "tokenizer.ggml.add_eos_token";
    /// <summary>GGUF key <c>tokenizer.ggml.add_space_prefix</c> (docs/gguf.md).</summary>
    public const string AddSpacePrefix = "tokenizer.ggml.add_space_prefix";
    /// <summary>GGUF key <c>tokenizer.ggml.remove_extra_whitespaces</c> (docs/gguf.md).</summary>
    public const string RemoveExtraWhitespaces = "tokenizer.ggml.remove_extra_whitespaces";
    /// <summary>GGUF key <c>tokenizer.ggml.precompiled_charsmap</c> (docs/gguf.md).</summary>
    public const string PrecompiledCharsmap = "tokenizer.ggml.precompiled_charsmap";
    /// <summary>GGUF key <c>tokenizer.deberta.do_lower_case</c> (docs/gguf.md).</summary>
    public const string DoLowerCase = "tokenizer.deberta.do_lower_case";
    /// <summary>GGUF key <c>tokenizer.deberta.split_by_punct</c> (docs/gguf.md).</summary>
    public const string SplitByPunct = "tokenizer.deberta.split_by_punct";
    /// <summary>GGUF key <c>tokenizer.deberta.byte_fallback</c> (docs/gguf.md).</summary>
    public const string ByteFallback = "tokenizer.deberta.byte_fallback";
    /// <summary>GGUF key <c>tokenizer.deberta.source</c> (docs/gguf.md).</summary>
    public const string Source = "tokenizer.deberta.source";
    /// <summary>GGUF key <c>tokenizer.deberta.model_max_length</c> (docs/gguf.md).</summary>
    public const string ModelMaxLength = "tokenizer.deberta.model_max_length";

    /// <summary>llama.cpp's model name for a SentencePiece unigram vocabulary.</summary>
    public const string UnigramModelName = "t5";

    /// <summary>Reads the tokenizer keys; throws <see cref="InvalidDataException"/> naming a missing or inconsistent one.</summary>
    public static TokenizerModelData Read(GgufFile file) => Read((IGgufMetadata)file);

    /// <summary>Reads the tokenizer keys from a GGUF parsed in C# or from a loaded model's metadata.</summary>
    internal static TokenizerModelData Read(IGgufMetadata file)
    {
        string model = file.GetString(Model);
        if (model != UnigramModelName)
            throw new InvalidDataException($"{file.Path}: tokenizer model '{model}' is not supported (expected '{UnigramModelName}')");
        var pieces = file.GetStrings(Tokens);
        var scores = file.GetFloats(Scores);
        var kinds = file.GetInt32s(TokenType);
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
            MaskId = file.Contains(MaskId) ? (int)file.GetUInt32(MaskId) : -1,
            AddDummyPrefix = file.GetBool(AddSpacePrefix),
            RemoveExtraWhitespaces = file.GetBool(RemoveExtraWhitespaces),
            PrecompiledCharsmap = file.GetBytes(PrecompiledCharsmap),
            DoLowerCase = file.GetBool(DoLowerCase),
            SplitByPunct = file.GetBool(SplitByPunct),
            ByteFallback = file.GetBool(ByteFallback),
            Source = source switch
            {
                "spm" => TokenizerSource.SentencePiece,
                "tokenizer_json" => TokenizerSource.TokenizerJson,
                _ => throw new InvalidDataException($"{file.Path}: tokenizer source '{source}' is not 'spm' or 'tokenizer_json'"),
            },
            ModelMaxLength = file.Contains(ModelMaxLength) ? (int)file.GetUInt32(ModelMaxLength) : null,
        };
    }
}
