namespace DebertaGgml.Convert.Measurement;

/// <summary>Summary of timed runs in milliseconds.</summary>
/// <param name="MedianMs">The median.</param>
/// <param name="P90Ms">The 90th percentile.</param>
/// <param name="MinMs">The fastest run.</param>
/// <param name="MeanMs">The mean.</param>
/// <param name="Runs">How many runs were timed.</param>
public sealed record LatencyStats(double MedianMs, double P90Ms, double MinMs, double MeanMs, int Runs)
{
    /// <summary>Summarizes <paramref name="samplesMs"/>; throws on an empty collection.</summary>
    public static LatencyStats From(IReadOnlyCollection<double> samplesMs)
    {
        if (samplesMs.Count == 0) throw new ArgumentException("no samples", nameof(samplesMs));
        var sorted = samplesMs.Order().ToArray();
        return new LatencyStats(Quantile(sorted, 0.5), Quantile(sorted, 0.9), sorted[0], sorted.Average(), sorted.Length);
    }

    /// <summary>Linear interpolation between closest ranks.</summary>
    private static double Quantile(double[] sorted, double q)
    {
        double position = q * (sorted.Length - 1);
        int lower = (int)Math.Floor(position);
        int upper = Math.Min(lower + 1, sorted.Length - 1);
        return sorted[lower] + (position - lower) * (sorted[upper] - sorted[lower]);
    }
}
