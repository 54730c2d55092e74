namespace DebertaGgml.Tokenization;

/// <summary>A stretch of input text: either an added/special token (Id >= 0) or ordinary text (Id = -1).</summary>
internal readonly record struct TextSegment(int Start, int End, int Id);

/// <summary>
/// Finds added tokens ([CLS], [MASK], ...) written inside a text, leftmost first and longest at a position,
/// as HF's slow tokenizer (Trie.split) and tokenizers' AddedVocabulary do. Matching is exact and case-sensitive.
/// </summary>
internal sealed class AddedTokenMatcher
{
    private readonly Dictionary<char, (string Content, int Id)[]> _byFirstChar;

    public AddedTokenMatcher(IEnumerable<(string Content, int Id)> tokens)
    {
        _byFirstChar = tokens
            .Where(t => t.Content.Length > 0)
            .GroupBy(t => t.Content[0])
            .ToDictionary(g => g.Key, g => g.OrderByDescending(t => t.Content.Length).ToArray());
    }

    public bool IsEmpty => _byFirstChar.Count == 0;

    /// <summary>Splits text[start..end) into ordinary and added-token segments; ordinary segments may be empty-free only.</summary>
    public void Split(string text, int start, int end, List<TextSegment> segments)
    {
        int plainStart = start;
        int i = start;
        while (i < end)
        {
            if (_byFirstChar.TryGetValue(text[i], out var candidates) && TryMatch(text, i, end, candidates, out var match))
            {
                if (i > plainStart) segments.Add(new TextSegment(plainStart, i, -1));
                segments.Add(new TextSegment(i, i + match.Content.Length, match.Id));
                i += match.Content.Length;
                plainStart = i;
            }
            else i++;
        }
        if (end > plainStart) segments.Add(new TextSegment(plainStart, end, -1));
    }

    private static bool TryMatch(string text, int position, int end, (string Content, int Id)[] candidates, out (string Content, int Id) match)
    {
        foreach (var candidate in candidates)
        {
            if (candidate.Content.Length <= end - position && string.CompareOrdinal(text, position, candidate.Content, 0, candidate.Content.Length) == 0)
            {
                match = candidate;
                return true;
            }
        }
        match = default;
        return false;
    }
}
