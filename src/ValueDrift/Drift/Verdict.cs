namespace ValueDrift.Drift;

/// <summary>What an interval says about an expected effect.</summary>
public enum Verdict
{
    /// <summary>The whole interval lies on the expected side of the threshold.</summary>
    Consistent,
    /// <summary>The interval contains the threshold: the data cannot tell the effect from no effect.</summary>
    NotSeen,
    /// <summary>The whole interval lies on the other side of the threshold.</summary>
    Opposite,
    /// <summary>No interval could be computed (too few seeds or questions).</summary>
    Undetermined,
}

/// <summary>Verdicts from intervals instead of fixed thresholds on point estimates.</summary>
public static class Verdicts
{
    /// <summary>
    /// Compares an interval with a threshold: <paramref name="direction"/> +1 expects values above
    /// <paramref name="threshold"/>, −1 below. E.g. "SFT raises support" is (interval of M_support, 0, +1); "drift
    /// time is early" is (interval of η, 0.5, −1). An interval touching the threshold counts as not seen.
    /// </summary>
    public static Verdict Of(Interval? interval, int direction, double threshold = 0)
    {
        if (direction is not (1 or -1)) throw new ArgumentOutOfRangeException(nameof(direction), direction, "must be 1 or -1");
        if (interval is null) return Verdict.Undetermined;
        var above = interval.Lower > threshold;
        var below = interval.Upper < threshold;
        if (!above && !below) return Verdict.NotSeen;
        return above == (direction == 1) ? Verdict.Consistent : Verdict.Opposite;
    }

    /// <summary>Lower-case words for reports: "consistent", "not seen", "opposite", "undetermined".</summary>
    public static string Label(this Verdict verdict) => verdict switch
    {
        Verdict.Consistent => "consistent",
        Verdict.NotSeen => "not seen",
        Verdict.Opposite => "opposite",
        _ => "undetermined",
    };
}
