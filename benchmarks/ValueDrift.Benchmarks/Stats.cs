namespace ValueDrift.Benchmarks;

/// <summary>Summary statistics of repeated timings: the median resists the shared machine's occasional stalls.</summary>
public static class Stats
{
    public static double Median(IReadOnlyList<double> xs)
    {
        if (xs.Count == 0) return double.NaN;
        var s = xs.OrderBy(x => x).ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : 0.5 * (s[s.Length / 2 - 1] + s[s.Length / 2]);
    }

    /// <summary>Spread as (max − min) / median, to show how noisy a measurement was.</summary>
    public static double RelativeSpread(IReadOnlyList<double> xs) => xs.Count < 2 ? 0 : (xs.Max() - xs.Min()) / Median(xs);
}
