namespace ValueDrift.Drift;

/// <summary>
/// The seeded percentile bootstrap of a mean: resample the values with replacement, take the mean of each resample,
/// and return the (1 − level)/2 and (1 + level)/2 quantiles of those means (linear interpolation between order
/// statistics). The same seed gives the same interval.
/// </summary>
public static class Bootstrap
{
    /// <summary>Default number of resamples.</summary>
    public const int DefaultResamples = 1000;

    /// <summary>Default interval level.</summary>
    public const double DefaultLevel = 0.95;

    /// <summary>
    /// Percentile interval of the mean of <paramref name="values"/>. Fewer than two values cannot be resampled into
    /// anything but themselves, so they raise <see cref="ArgumentException"/>; callers that meet such data say "n/a".
    /// </summary>
    public static Interval MeanInterval(IReadOnlyList<double> values, int seed = 0, int resamples = DefaultResamples, double level = DefaultLevel)
    {
        if (values.Count < 2) throw new ArgumentException($"a bootstrap needs at least two values (got {values.Count})", nameof(values));
        if (resamples < 2) throw new ArgumentOutOfRangeException(nameof(resamples), resamples, "need at least 2 resamples");
        if (level is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(level), level, "must be in (0, 1)");
        if (values.Any(v => !double.IsFinite(v))) throw new ArgumentException("bootstrap values must be finite", nameof(values));
        var rng = new Random(seed);
        var n = values.Count;
        var means = new double[resamples];
        for (var b = 0; b < resamples; b++)
        {
            double sum = 0;
            for (var i = 0; i < n; i++) sum += values[rng.Next(n)];
            means[b] = sum / n;
        }
        Array.Sort(means);
        var alpha = (1 - level) / 2;
        return new Interval(Quantile(means, alpha), Quantile(means, 1 - alpha));
    }

    /// <summary>Quantile of sorted values with linear interpolation between order statistics (type 7).</summary>
    public static double Quantile(IReadOnlyList<double> sorted, double q)
    {
        if (sorted.Count == 0) throw new ArgumentException("no values", nameof(sorted));
        var h = (sorted.Count - 1) * q;
        var lo = (int)Math.Floor(h);
        var hi = Math.Min(lo + 1, sorted.Count - 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }
}
