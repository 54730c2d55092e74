using DebertaGgml.Pipelines;
using DebertaGgml.Tokenization;

namespace DebertaGgml;

/// <summary>A choice in input order: its logit and its softmax probability over all choices.</summary>
public sealed record ChoiceScore(int Index, string Choice, float Logit, float Score);

/// <summary>The choices of one item, in input order, and whether any was truncated.</summary>
public sealed record ChoiceResult(IReadOnlyList<ChoiceScore> Choices, bool Truncated)
{
    /// <summary>The highest-scoring choice (the first of equals).</summary>
    [System.Text.Json.Serialization.JsonIgnore] public ChoiceScore Best => Choices.MaxBy(c => c.Score)!;

    bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"Choices = {RecordText.List(Choices)}, Truncated = {Truncated}");
        return true;
    }
}

public sealed partial class DebertaModel
{
    /// <summary>
    /// Scores each (prompt, choice) pair with a multiple-choice head (HF DebertaV2ForMultipleChoice) and
    /// normalizes over the choices. All choices run in one evaluation, so their count must not exceed MaxBatch.
    /// </summary>
    public ChoiceResult ChooseBest(string prompt, IReadOnlyList<string> choices, PipelineOptions? options = null,
                                   CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        return ChooseBest([(prompt, choices)], options, cancellationToken)[0];
    }

    /// <summary>Scores each item's choices against its prompt (multiple-choice head).</summary>
    public IReadOnlyList<ChoiceResult> ChooseBest(IReadOnlyList<(string Prompt, IReadOnlyList<string> Choices)> items,
                                                  PipelineOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        options ??= new PipelineOptions();
        PipelineInputs.RequireHead(this, ModelHead.MultipleChoice, "ChooseBest");
        for (int i = 0; i < items.Count; i++)
        {
            ArgumentNullException.ThrowIfNull(items[i].Prompt, nameof(items));
            PipelineInputs.CheckTexts(items[i].Choices, nameof(items));
            if (items[i].Choices.Count == 0) throw new ArgumentException($"item {i} has no choices", nameof(items));
        }
        var encoded = items.Select(item => item.Choices
            .Select(c => PipelineInputs.Encode(this, item.Prompt, c, options, TruncationStrategy.LongestFirst, "prompt")).ToArray()).ToArray();

        var results = new ChoiceResult[items.Count];
        // A batch holds items with the same number of choices.
        foreach (var group in Enumerable.Range(0, items.Count).GroupBy(i => items[i].Choices.Count))
        {
            int[] members = group.ToArray();
            var inputs = members.Select(i => encoded[i].Select(e => new Sequence(e.Encoding.Ids, e.Encoding.TypeIds)).ToArray()).ToArray();
            BatchRunner.Run(this, inputs, ModelOutputKinds.Logits, (m, output, row) =>
            {
                int i = members[m];
                var logits = output.Logits.AsSpan(row, group.Key).ToArray();
                var probs = Scores.Softmax(logits);
                results[i] = new ChoiceResult(
                    items[i].Choices.Select((c, k) => new ChoiceScore(k, c, logits[k], probs[k])).ToArray(),
                    encoded[i].Any(e => e.Truncated));
            }, cancellationToken);
        }
        return results;
    }
}
