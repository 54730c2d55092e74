namespace DebertaGgml.Tokenization;

/// <summary>Collects the tokens of one text: ids, offsets into the original text and (optionally) token strings.</summary>
internal sealed class TokenSink(bool withTokens)
{
    public List<int> Ids { get; } = [];
    public List<(int Start, int End)> Offsets { get; } = [];
    public List<string>? Tokens { get; } = withTokens ? [] : null;

    public void Add(int id, (int Start, int End) offset, string token)
    {
        Ids.Add(id);
        Offsets.Add(offset);
        Tokens?.Add(token);
    }

    public int Count => Ids.Count;
}

/// <summary>Turns one text into tokens (no [CLS]/[SEP]); each tokenizer source has its own pipeline.</summary>
internal interface ITextPipeline
{
    void Encode(string text, TokenSink sink);
}
