using DebertaGgml.Pipelines;
using DebertaGgml.Tokenization;

namespace DebertaGgml;

/// <summary>Options of <c>DebertaModel.Rerank</c>.</summary>
public sealed record RerankOptions : PipelineOptions
{
    /// <summary>How many documents to return, best first; null = all.</summary>
    public int? TopK { get; init; }
}

/// <summary>A document with its index in the input list and its relevance score.</summary>
public sealed record RankedDocument(int Index, string Document, float Score, bool Truncated);

public sealed partial class DebertaModel
{
    /// <summary>
    /// Scores (query, document) pairs with a cross-encoder (a sequence-classification model) and sorts the
    /// documents, best first. Score: sigmoid of the logit for a one-output model (the sentence-transformers
    /// CrossEncoder default); for more outputs, the softmax probability of the last label.
    /// </summary>
    public IReadOnlyList<RankedDocument> Rerank(string query, IReadOnlyList<string> documents, RerankOptions? options = null,
                                                CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        PipelineInputs.CheckTexts(documents, nameof(documents));
        options ??= new RerankOptions();
        Scores.CheckTopK(options.TopK, nameof(options.TopK));
        PipelineInputs.RequireHead(this, ModelHead.SequenceClassification, "Rerank");
        var encoded = documents.Select(d => PipelineInputs.Encode(this, query, d, options, TruncationStrategy.LongestFirst, "document")).ToArray();
        var scores = new float[documents.Count];
        int labels = Info.NumLabels;
        BatchRunner.Run(this, encoded.Select(e => PipelineInputs.Single(e.Encoding)).ToArray(), ModelOutputKinds.Logits, (i, output, row) =>
        {
            var logits = PipelineInputs.Row(output.Logits!, row, labels);
            scores[i] = labels == 1 ? Scores.Sigmoid(logits[0]) : Scores.Softmax(logits)[^1];
        }, cancellationToken);
        return Scores.TopK(scores, options.TopK ?? scores.Length)
            .Select(i => new RankedDocument(i, documents[i], scores[i], encoded[i].Truncated)).ToArray();
    }
}
