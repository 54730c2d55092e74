namespace DebertaGgml;

/// <summary>What a pipeline does with text longer than the model's window.</summary>
public enum OverflowBehavior
{
    /// <summary>Cut the text to fit and set <c>Truncated</c> on the result.</summary>
    Truncate,
    /// <summary>Throw an <see cref="ArgumentException"/> naming the input and its length.</summary>
    Throw,
}

/// <summary>Options every pipeline shares.</summary>
public record PipelineOptions
{
    /// <summary>What happens to text beyond the window; default truncate.</summary>
    public OverflowBehavior Overflow { get; init; } = OverflowBehavior.Truncate;
    /// <summary>Window in tokens (special tokens included); null = the model's maximum.</summary>
    public int? MaxLength { get; init; }
}
