namespace DebertaGgml.Tokenization;

/// <summary>Kind of a vocabulary entry; values are SentencePiece's piece types (and GGUF's token_type).</summary>
public enum PieceKind
{
    /// <summary>An ordinary piece.</summary>
    Normal = 1,
    /// <summary>The unknown piece.</summary>
    Unknown = 2,
    /// <summary>A special token never produced from text ([CLS], [SEP], [PAD]).</summary>
    Control = 3,
    /// <summary>An added token matched as a whole ([MASK]).</summary>
    UserDefined = 4,
    /// <summary>A piece never used.</summary>
    Unused = 5,
    /// <summary>A byte-fallback piece (&lt;0xAB&gt;).</summary>
    Byte = 6,
}

/// <summary>Where a tokenizer's behaviour comes from (it decides byte fallback and normalization details).</summary>
public enum TokenizerSource
{
    /// <summary>A slow tokenizer's spm.model.</summary>
    SentencePiece,
    /// <summary>A fast tokenizer's tokenizer.json.</summary>
    TokenizerJson,
}

/// <summary>
/// Everything needed to rebuild a DeBERTa tokenizer exactly, independent of where it was read from
/// (spm.model, tokenizer.json + tokenizer_config.json, or a GGUF's tokenizer.* keys).
/// Pieces are in id order; added tokens such as [MASK] are appended at their ids.
/// </summary>
public sealed record TokenizerModelData
{
    /// <summary>The pieces by id.</summary>
    public required IReadOnlyList<string> Pieces { get; init; }
    /// <summary>Unigram log-probabilities by id.</summary>
    public required IReadOnlyList<float> Scores { get; init; }
    /// <summary>Piece kinds by id.</summary>
    public required IReadOnlyList<PieceKind> Kinds { get; init; }
    /// <summary>Id of [CLS].</summary>
    public int ClsId { get; init; } = 1;
    /// <summary>Id of [SEP].</summary>
    public int SepId { get; init; } = 2;
    /// <summary>Id of [UNK].</summary>
    public int UnkId { get; init; } = 3;
    /// <summary>Id of [PAD].</summary>
    public int PadId { get; init; } = 0;
    /// <summary>Id of [MASK]; -1 for none.</summary>
    public int MaskId { get; init; } = -1;
    /// <summary>Whether the normalizer prepends "▁" (SentencePiece add_dummy_prefix).</summary>
    public bool AddDummyPrefix { get; init; } = true;
    /// <summary>Whether the normalizer collapses runs of whitespace.</summary>
    public bool RemoveExtraWhitespaces { get; init; } = true;
    /// <summary>SentencePiece normalizer_spec.precompiled_charsmap; empty means no normalization table.</summary>
    public byte[] PrecompiledCharsmap { get; init; } = [];
    /// <summary>Whether text is lowercased first (do_lower_case).</summary>
    public bool DoLowerCase { get; init; }
    /// <summary>Whether punctuation is split off before SentencePiece (split_by_punct).</summary>
    public bool SplitByPunct { get; init; }
    /// <summary>Whether unknown characters become byte pieces instead of [UNK].</summary>
    public bool ByteFallback { get; init; }
    /// <summary>Which file the vocabulary came from.</summary>
    public TokenizerSource Source { get; init; } = TokenizerSource.SentencePiece;
    /// <summary>model_max_length of tokenizer_config.json, if set.</summary>
    public int? ModelMaxLength { get; init; }
}
