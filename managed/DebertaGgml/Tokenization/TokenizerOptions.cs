namespace DebertaGgml.Tokenization;

/// <summary>Options applied when a tokenizer is built; null keeps what the tokenizer files say.</summary>
public sealed record DebertaTokenizerOptions
{
    public bool? DoLowerCase { get; init; }
    public bool? SplitByPunct { get; init; }
}

/// <summary>How a sequence (pair) longer than <see cref="EncodeOptions.MaxLength"/> is cut (HF's strategies).</summary>
public enum TruncationStrategy
{
    None,
    /// <summary>Removes tokens from the end of the longer sequence until the total fits.</summary>
    LongestFirst,
    OnlyFirst,
    OnlySecond,
}

public enum PaddingStrategy
{
    None,
    /// <summary>Pad every encoding of a batch to the longest one.</summary>
    Longest,
    /// <summary>Pad to <see cref="EncodeOptions.MaxLength"/>.</summary>
    MaxLength,
}

/// <summary>Per-call encoding options; the defaults add [CLS]/[SEP] and neither truncate nor pad.</summary>
public sealed record EncodeOptions
{
    public static EncodeOptions Default { get; } = new();

    public bool AddSpecialTokens { get; init; } = true;
    /// <summary>Length limit for truncation and MaxLength padding, special tokens included; null means the model maximum.</summary>
    public int? MaxLength { get; init; }
    public TruncationStrategy Truncation { get; init; } = TruncationStrategy.None;
    /// <summary>Tokens shared by consecutive overflowing windows.</summary>
    public int Stride { get; init; }
    /// <summary>Returns the truncated-away part as further windows in <see cref="TokenEncoding.Overflowing"/>.</summary>
    public bool ReturnOverflowing { get; init; }
    public PaddingStrategy Padding { get; init; } = PaddingStrategy.None;
}

/// <summary>
/// One encoded sequence (or pair). Offsets are (Start, End) UTF-16 index ranges into the ORIGINAL text the token
/// came from (the first or second text for pairs); special and padding tokens have (0, 0).
/// </summary>
public sealed record TokenEncoding
{
    public required IReadOnlyList<int> Ids { get; init; }
    public required IReadOnlyList<string> Tokens { get; init; }
    public required IReadOnlyList<int> TypeIds { get; init; }
    public required IReadOnlyList<int> SpecialTokensMask { get; init; }
    public required IReadOnlyList<int> AttentionMask { get; init; }
    public required IReadOnlyList<(int Start, int End)> Offsets { get; init; }
    /// <summary>0 for tokens of the first text, 1 for the second, -1 for special and padding tokens.</summary>
    public required IReadOnlyList<int> SequenceIds { get; init; }
    public IReadOnlyList<TokenEncoding> Overflowing { get; init; } = [];

    public int Length => Ids.Count;
}
