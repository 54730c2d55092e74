using DebertaGgml.Pipelines;
using DebertaGgml.Tokenization;

namespace DebertaGgml;

/// <summary>Options of <c>DebertaModel.FillMask</c>.</summary>
public sealed record FillMaskOptions : PipelineOptions
{
    /// <summary>Candidates per [MASK], best first.</summary>
    public int TopK { get; init; } = 5;
}

/// <summary>A candidate for one [MASK]: the token, its id and probability, and the text with it filled in.</summary>
public sealed record FillMaskCandidate(string Token, int TokenId, float Score, string Sequence);

/// <summary>One candidate list per [MASK], in text order.</summary>
public sealed record FillMaskResult(IReadOnlyList<IReadOnlyList<FillMaskCandidate>> Masks, bool Truncated)
{
    bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"Masks = {RecordText.List(Masks)}, Truncated = {Truncated}");
        return true;
    }
}

public sealed partial class DebertaModel
{
    /// <summary>Candidates for each [MASK] in the text (HF fill-mask). A text without [MASK] is an ArgumentException.</summary>
    public FillMaskResult FillMask(string text, FillMaskOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        return FillMask([text], options, cancellationToken)[0];
    }

    /// <summary>For every [MASK] in each text: the most likely tokens with their probabilities.</summary>
    public IReadOnlyList<FillMaskResult> FillMask(IReadOnlyList<string> texts, FillMaskOptions? options = null, CancellationToken cancellationToken = default)
    {
        PipelineInputs.CheckTexts(texts, nameof(texts));
        options ??= new FillMaskOptions();
        Scores.CheckTopK(options.TopK, nameof(options.TopK));
        PipelineInputs.RequireHead(this, ModelHead.MaskedLM, "FillMask");
        int maskId = Tokenizer.MaskId;
        if (maskId < 0) throw new InvalidOperationException($"the tokenizer of '{Info.Name}' has no [MASK] token");
        var encoded = texts.Select(t => PipelineInputs.Encode(this, t, null, options, TruncationStrategy.LongestFirst, "text")).ToArray();
        var masks = encoded.Select((e, i) =>
        {
            var positions = Enumerable.Range(0, e.Encoding.Length).Where(p => e.Encoding.Ids[p] == maskId).ToArray();
            return positions.Length > 0 ? positions
                : throw new ArgumentException($"texts[{i}] has no [MASK] token{(e.Truncated ? " within the model's window" : "")}", nameof(texts));
        }).ToArray();

        var results = new FillMaskResult[texts.Count];
        int vocab = Info.VocabSize, tokenizerSize = Tokenizer.VocabularySize;
        BatchRunner.Run(this, encoded.Select(e => PipelineInputs.Single(e.Encoding)).ToArray(), ModelOutputKinds.Logits, (i, output, row) =>
        {
            var ids = encoded[i].Encoding.Ids;
            var perMask = masks[i].Select(p => FillMaskPostProcessing.Candidates(
                PipelineInputs.Row(output.Logits!, row * output.SequenceLength + p, vocab), ids, p, options.TopK, tokenizerSize,
                seq => Tokenizer.Decode(seq))).ToArray();
            results[i] = new FillMaskResult(perMask, encoded[i].Truncated);
        }, cancellationToken);
        return results;
    }
}

internal static class FillMaskPostProcessing
{
    /// <summary>
    /// HF FillMaskPipeline: softmax over the vocabulary at the mask, the top k ids, each decoded alone and
    /// written into the sequence (special tokens, other masks included, skipped in the decoded text). The softmax
    /// spans every logit; candidates are only ids the tokenizer has (the embedding may have spare rows).
    /// </summary>
    public static IReadOnlyList<FillMaskCandidate> Candidates(ReadOnlySpan<float> maskLogits, IReadOnlyList<int> ids, int maskPosition,
                                                               int topK, int tokenizerSize, Func<IReadOnlyList<int>, string> decode)
    {
        float[] probs = Scores.Softmax(maskLogits);
        var result = new List<FillMaskCandidate>(topK);
        foreach (int id in Scores.TopK(probs.AsSpan(0, Math.Min(tokenizerSize, probs.Length)), topK))
        {
            var filled = ids.ToArray();
            filled[maskPosition] = id;
            result.Add(new FillMaskCandidate(decode([id]), id, probs[id], decode(filled)));
        }
        return result;
    }
}
