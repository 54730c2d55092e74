namespace DebertaGgml.Tokenization;

/// <summary>
/// Collects the tokens of one text: ids, and when asked, token strings and offsets into the original text
/// (an ids-only sink lets the pipeline skip all alignment work).
/// </summary>
internal sealed class TokenSink(bool withTokens, bool withOffsets = true, int expectedCount = 16)
{
    public List<int> Ids { get; } = new(expectedCount);
    public List<(int Start, int End)>? Offsets { get; } = withOffsets ? new(expectedCount) : null;
    public List<string>? Tokens { get; } = withTokens ? new(expectedCount) : null;

    public void Add(int id, (int Start, int End) offset, string token)
    {
        Ids.Add(id);
        Offsets?.Add(offset);
        Tokens?.Add(token);
    }

    public int Count => Ids.Count;

    /// <summary>Empties the sink for the next text, keeping its capacity.</summary>
    public void Clear()
    {
        Ids.Clear();
        Offsets?.Clear();
        Tokens?.Clear();
    }
}

/// <summary>Turns one text into tokens (no [CLS]/[SEP]); each tokenizer source has its own pipeline.</summary>
internal interface ITextPipeline
{
    void Encode(string text, TokenSink sink);
}
