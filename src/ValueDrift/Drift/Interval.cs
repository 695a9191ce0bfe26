namespace ValueDrift.Drift;

/// <summary>
/// A closed interval [Lower, Upper], e.g. the 95% bootstrap interval of a drift magnitude or the interval of a mean
/// across seeds. JSON form: <c>[lo, hi]</c>.
/// </summary>
public sealed record Interval(double Lower, double Upper)
{
    public double Width => Upper - Lower;

    public bool Contains(double x) => x >= Lower && x <= Upper;

    /// <summary><c>[Lower, Upper]</c>, the JSON form.</summary>
    public double[] ToArray() => [Lower, Upper];

    public override string ToString() =>
        FormattableString.Invariant($"[{Lower:+0.000;-0.000;0.000}, {Upper:+0.000;-0.000;0.000}]");
}
