using DebertaGgml.Pipelines;

namespace DebertaGgml;

public sealed record FillMaskOptions : PipelineOptions
{
    /// <summary>Candidates per [MASK], best first.</summary>
    public int TopK { get; init; } = 5;
}

/// <summary>A candidate for one [MASK]: the token, its id and probability, and the text with it filled in.</summary>
public sealed record FillMaskCandidate(string Token, int TokenId, float Score, string Sequence);

/// <summary>One candidate list per [MASK], in text order.</summary>
public sealed record FillMaskResult(IReadOnlyList<IReadOnlyList<FillMaskCandidate>> Masks, bool Truncated);

internal static class FillMaskPostProcessing
{
    /// <summary>
    /// HF FillMaskPipeline: softmax over the vocabulary at the mask, the top k ids, each decoded alone and
    /// written into the sequence (special tokens, other masks included, skipped in the decoded text).
    /// </summary>
    public static IReadOnlyList<FillMaskCandidate> Candidates(ReadOnlySpan<float> maskLogits, IReadOnlyList<int> ids, int maskPosition,
                                                               int topK, Func<IReadOnlyList<int>, string> decode)
    {
        float[] probs = Scores.Softmax(maskLogits);
        var result = new List<FillMaskCandidate>(topK);
        foreach (int id in Scores.TopK(probs, topK))
        {
            var filled = ids.ToArray();
            filled[maskPosition] = id;
            result.Add(new FillMaskCandidate(decode([id]), id, probs[id], decode(filled)));
        }
        return result;
    }
}
