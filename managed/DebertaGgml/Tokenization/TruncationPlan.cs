namespace DebertaGgml.Tokenization;

/// <summary>The token ranges of the first and second sequence that make up one encoding.</summary>
internal readonly record struct SequenceWindow(int FirstStart, int FirstCount, int SecondStart, int SecondCount);

/// <summary>
/// HF's truncate_sequences: how many tokens of each sequence survive, plus the further windows (with stride
/// overlap) over the truncated sequence when overflowing tokens are requested.
/// </summary>
internal static class TruncationPlan
{
    public sealed record Plan(IReadOnlyList<SequenceWindow> Windows);

    public static Plan Create(int firstCount, int? secondCount, bool addSpecialTokens, TruncationStrategy strategy, int? maxLength, int stride, bool returnOverflowing)
    {
        if (stride < 0) throw new ArgumentOutOfRangeException(nameof(stride), stride, "stride must not be negative");
        if (maxLength is < 0) throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength, "max length must not be negative");
        int second = secondCount ?? 0;
        var whole = new Plan([new SequenceWindow(0, firstCount, 0, second)]);
        if (strategy == TruncationStrategy.None || maxLength is null) return whole;

        int specials = addSpecialTokens ? (secondCount is null ? 2 : 3) : 0;
        int toRemove = firstCount + second + specials - maxLength.Value;
        if (toRemove <= 0) return whole;

        bool truncateFirst = strategy == TruncationStrategy.OnlyFirst || (strategy == TruncationStrategy.LongestFirst && secondCount is null);
        if (truncateFirst)
        {
            // HF only logs an error and keeps everything when the first sequence cannot absorb the cut.
            if (firstCount <= toRemove) return whole;
            return Windowed(firstCount, firstCount - toRemove, stride, returnOverflowing, keep => new SequenceWindow(keep.Start, keep.Count, 0, second));
        }
        if (strategy == TruncationStrategy.OnlySecond)
        {
            if (secondCount is null || second <= toRemove) return whole;
            return Windowed(second, second - toRemove, stride, returnOverflowing, keep => new SequenceWindow(0, firstCount, keep.Start, keep.Count));
        }

        // Longest first with a pair: first even out the lengths, then split the rest, the second sequence taking the odd token.
        if (returnOverflowing)
            throw new ArgumentException("overflowing tokens cannot be returned for a pair with longest_first truncation; use only_first or only_second", nameof(strategy));
        int firstRemove = Math.Min(Math.Abs(second - firstCount), toRemove);
        int secondRemove = toRemove - firstRemove;
        int fromFirst, fromSecond;
        if (firstCount > second)
        {
            fromFirst = firstRemove + secondRemove / 2;
            fromSecond = secondRemove - secondRemove / 2;
        }
        else
        {
            fromFirst = secondRemove / 2;
            fromSecond = firstRemove + secondRemove - secondRemove / 2;
        }
        return new Plan([new SequenceWindow(0, Math.Max(0, firstCount - fromFirst), 0, Math.Max(0, second - fromSecond))]);
    }

    /// <summary>Windows of <paramref name="keep"/> tokens over a sequence of <paramref name="total"/>, each starting stride tokens before the previous end.</summary>
    private static Plan Windowed(int total, int keep, int stride, bool returnOverflowing, Func<(int Start, int Count), SequenceWindow> toWindow)
    {
        var windows = new List<SequenceWindow> { toWindow((0, keep)) };
        if (!returnOverflowing) return new Plan(windows);
        if (stride >= keep) throw new ArgumentException($"stride {stride} must be smaller than the {keep} tokens a window can hold", nameof(stride));
        for (int start = keep - stride; start + stride < total; start += keep - stride)
        {
            windows.Add(toWindow((start, Math.Min(keep, total - start))));
        }
        return new Plan(windows);
    }
}
