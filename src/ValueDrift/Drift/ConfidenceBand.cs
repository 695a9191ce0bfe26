using ValueDrift.Probes;

namespace ValueDrift.Drift;

/// <summary>How a confidence band was computed.</summary>
public enum BandMethod
{
    /// <summary>Percentile bootstrap over the topic's questions (each question's mean reading).</summary>
    Bootstrap,
    /// <summary>Normal approximation p ± z·sqrt(p(1 − p)/n), clipped to [0, 1].</summary>
    Normal,
}

/// <summary>
/// A 95% (by default) confidence band [Lower, Upper] around a stance probability p at one step.
/// <list type="bullet">
/// <item>With per-question detail for at least two questions: a seeded percentile bootstrap over questions only.
/// Each resample draws the topic's questions with replacement and averages their (already answer-averaged) values;
/// answers are not resampled, so a question's sampling noise is counted once, through the spread between
/// questions. Lower/Upper are the 2.5% and 97.5% quantiles of the resampled means (linear interpolation). The same
/// seed gives the same band.</item>
/// <item>Otherwise (no detail, or a single question): the normal approximation p ± 1.96·sqrt(p(1 − p)/n), with n
/// the number of judged answers, clipped to [0, 1]; n ≤ 0 gives the uninformative band [0, 1].</item>
/// </list>
/// The band always contains the estimate p itself (bounds are widened to p if resampling lands on one side of it),
/// so a series' extreme value is always inside its own band.
/// </summary>
public sealed record ConfidenceBand(double Estimate, double Lower, double Upper, BandMethod Method)
{
    /// <summary>Default number of bootstrap resamples.</summary>
    public const int DefaultResamples = Drift.Bootstrap.DefaultResamples;

    public bool Contains(double p) => p >= Lower && p <= Upper;

    public double Width => Upper - Lower;

    /// <summary>The band of stance <paramref name="stance"/> at <paramref name="point"/>.</summary>
    public static ConfidenceBand At(TrajectoryPoint point, Stance stance, int seed = 0, int resamples = DefaultResamples, double level = 0.95)
    {
        if (level is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(level), level, "must be in (0, 1)");
        var p = point[stance];
        if (point.Questions is { Count: >= 2 } questions)
        {
            var band = Drift.Bootstrap.MeanInterval(questions.Select(q => q.Value[stance]).ToList(), seed, resamples, level);
            return new ConfidenceBand(p, Math.Min(band.Lower, p), Math.Max(band.Upper, p), BandMethod.Bootstrap);
        }
        return Normal(p, point.N, level);
    }

    /// <summary>Normal-approximation band p ± z·sqrt(p(1 − p)/n), z the two-sided normal quantile of <paramref name="level"/>.</summary>
    public static ConfidenceBand Normal(double p, int n, double level = 0.95)
    {
        if (n <= 0) return new ConfidenceBand(p, 0, 1, BandMethod.Normal);
        var z = NormalQuantile(0.5 + level / 2);
        var half = z * Math.Sqrt(p * (1 - p) / n);
        return new ConfidenceBand(p, Math.Max(0, p - half), Math.Min(1, p + half), BandMethod.Normal);
    }

    /// <summary>Inverse standard normal CDF (Acklam's rational approximation, relative error below 1.2e-9).</summary>
    internal static double NormalQuantile(double p)
    {
        if (p is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(p));
        double[] a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00];
        double[] b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01];
        double[] c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00];
        double[] d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00];
        const double low = 0.02425;
        if (p < low)
        {
            var q = Math.Sqrt(-2 * Math.Log(p));
            return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
        }
        if (p > 1 - low)
        {
            var q = Math.Sqrt(-2 * Math.Log(1 - p));
            return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
        }
        var r = p - 0.5;
        var s = r * r;
        return (((((a[0] * s + a[1]) * s + a[2]) * s + a[3]) * s + a[4]) * s + a[5]) * r / (((((b[0] * s + b[1]) * s + b[2]) * s + b[3]) * s + b[4]) * s + 1);
    }
}
