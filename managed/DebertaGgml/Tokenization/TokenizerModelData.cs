namespace DebertaGgml.Tokenization;

/// <summary>Kind of a vocabulary entry; values are SentencePiece's piece types (and GGUF's token_type).</summary>
public enum PieceKind
{
    Normal = 1,
    Unknown = 2,
    Control = 3,
    UserDefined = 4,
    Unused = 5,
    Byte = 6,
}

/// <summary>Where a tokenizer's behaviour comes from (it decides byte fallback and normalization details).</summary>
public enum TokenizerSource
{
    SentencePiece,
    TokenizerJson,
}

/// <summary>
/// Everything needed to rebuild a DeBERTa tokenizer exactly, independent of where it was read from
/// (spm.model, tokenizer.json + tokenizer_config.json, or a GGUF's tokenizer.* keys).
/// Pieces are in id order; added tokens such as [MASK] are appended at their ids.
/// </summary>
public sealed record TokenizerModelData
{
    public required IReadOnlyList<string> Pieces { get; init; }
    public required IReadOnlyList<float> Scores { get; init; }
    public required IReadOnlyList<PieceKind> Kinds { get; init; }
    public int ClsId { get; init; } = 1;
    public int SepId { get; init; } = 2;
    public int UnkId { get; init; } = 3;
    public int PadId { get; init; } = 0;
    public int MaskId { get; init; } = -1;
    public bool AddDummyPrefix { get; init; } = true;
    public bool RemoveExtraWhitespaces { get; init; } = true;
    /// <summary>SentencePiece normalizer_spec.precompiled_charsmap; empty means no normalization table.</summary>
    public byte[] PrecompiledCharsmap { get; init; } = [];
    public bool DoLowerCase { get; init; }
    public bool SplitByPunct { get; init; }
    public bool ByteFallback { get; init; }
    public TokenizerSource Source { get; init; } = TokenizerSource.SentencePiece;
    public int? ModelMaxLength { get; init; }
}
