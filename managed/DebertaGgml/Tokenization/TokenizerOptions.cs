namespace DebertaGgml.Tokenization;

/// <summary>Options applied when a tokenizer is built; null keeps what the tokenizer files say.</summary>
public sealed record DebertaTokenizerOptions
{
    /// <summary>Overrides do_lower_case.</summary>
    public bool? DoLowerCase { get; init; }
    /// <summary>Overrides split_by_punct.</summary>
    public bool? SplitByPunct { get; init; }
}

/// <summary>How a sequence (pair) longer than <see cref="EncodeOptions.MaxLength"/> is cut (HF's strategies).</summary>
public enum TruncationStrategy
{
    /// <summary>Never truncates (a longer input is returned whole).</summary>
    None,
    /// <summary>Removes tokens from the end of the longer sequence until the total fits.</summary>
    LongestFirst,
    /// <summary>Removes tokens from the end of the first sequence only.</summary>
    OnlyFirst,
    /// <summary>Removes tokens from the end of the second sequence only.</summary>
    OnlySecond,
}

/// <summary>How encodings are padded (HF's strategies).</summary>
public enum PaddingStrategy
{
    /// <summary>No padding.</summary>
    None,
    /// <summary>Pad every encoding of a batch to the longest one.</summary>
    Longest,
    /// <summary>Pad to <see cref="EncodeOptions.MaxLength"/>.</summary>
    MaxLength,
}

/// <summary>Per-call encoding options; the defaults add [CLS]/[SEP] and neither truncate nor pad.</summary>
public sealed record EncodeOptions
{
    /// <summary>All defaults.</summary>
    public static EncodeOptions Default { get; } = new();

    /// <summary>Whether [CLS] and [SEP] are added; default true.</summary>
    public bool AddSpecialTokens { get; init; } = true;
    /// <summary>Length limit for truncation and MaxLength padding, special tokens included; null means the model maximum.</summary>
    public int? MaxLength { get; init; }
    /// <summary>How an input longer than MaxLength is cut; default not at all.</summary>
    public TruncationStrategy Truncation { get; init; } = TruncationStrategy.None;
    /// <summary>Tokens shared by consecutive overflowing windows.</summary>
    public int Stride { get; init; }
    /// <summary>Returns the truncated-away part as further windows in <see cref="TokenEncoding.Overflowing"/>.</summary>
    public bool ReturnOverflowing { get; init; }
    /// <summary>How encodings are padded; default not at all.</summary>
    public PaddingStrategy Padding { get; init; } = PaddingStrategy.None;
}

/// <summary>
/// One encoded sequence (or pair). Offsets are (Start, End) UTF-16 index ranges into the ORIGINAL text the token
/// came from (the first or second text for pairs); special and padding tokens have (0, 0).
/// </summary>
public sealed record TokenEncoding
{
    /// <summary>Token ids.</summary>
    public required IReadOnlyList<int> Ids { get; init; }
    /// <summary>Token strings (pieces).</summary>
    public required IReadOnlyList<string> Tokens { get; init; }
    /// <summary>Token type ids: 0 for the first sequence, 1 for the second.</summary>
    public required IReadOnlyList<int> TypeIds { get; init; }
    /// <summary>1 at special tokens, else 0.</summary>
    public required IReadOnlyList<int> SpecialTokensMask { get; init; }
    /// <summary>1 at real tokens, 0 at padding.</summary>
    public required IReadOnlyList<int> AttentionMask { get; init; }
    /// <summary>(Start, End) UTF-16 ranges into the original text; (0, 0) for special and padding tokens.</summary>
    public required IReadOnlyList<(int Start, int End)> Offsets { get; init; }
    /// <summary>0 for tokens of the first text, 1 for the second, -1 for special and padding tokens.</summary>
    public required IReadOnlyList<int> SequenceIds { get; init; }
    /// <summary>Further windows of the truncated-away part (EncodeOptions.ReturnOverflowingTokens).</summary>
    public IReadOnlyList<TokenEncoding> Overflowing { get; init; } = [];

    /// <summary>Number of tokens.</summary>
    public int Length => Ids.Count;
}
