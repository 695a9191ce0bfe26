using System.Globalization;
using ValueDrift.Drift;
using ValueDrift.Probes;

namespace ValueDrift.Interactive;

/// <summary>
/// How one drift-table row reads in a notebook: the drift magnitude with its 95% interval over questions and the drift
/// time, or "within noise" when the interval contains 0 (the change may be sampling noise, and a drift time to an
/// extreme that is itself noise says nothing). A row without an interval says why instead.
/// </summary>
public sealed record DriftReading(DriftRow Row)
{
    /// <summary>True when the row has an interval and it excludes 0: the stance moved beyond the probe's noise.</summary>
    public bool Moved => Row.MagnitudeCi?.Interval is { } ci && !ci.Contains(0);

    /// <summary>True when the row has an interval and it contains 0.</summary>
    public bool WithinNoise => Row.MagnitudeCi?.Interval is { } ci && ci.Contains(0);

    /// <summary>"+0.59 [+0.41, +0.75], drift time 0.05", "+0.03 [−0.05, +0.10], within noise", or "+0.03 (no interval: …)".</summary>
    public string Text
    {
        get
        {
            var magnitude = Signed(Row.Magnitude);
            if (Row.MagnitudeCi?.Interval is not { } ci)
                return $"{magnitude} (no interval: {Row.MagnitudeCi?.Note ?? "not computed"})";
            var interval = $"[{Signed(ci.Lower)}, {Signed(ci.Upper)}]";
            if (ci.Contains(0)) return $"{magnitude} {interval}, within noise";
            if (double.IsNaN(Row.DriftTime)) return $"{magnitude} {interval}";
            var to = Row.TimedElsewhere(DriftEndpoint.PhaseEnd) ? $" (to step {Row.ExtremeStep})" : "";
            return $"{magnitude} {interval}, drift time {Row.DriftTime.ToString("0.00", CultureInfo.InvariantCulture)}{to}";
        }
    }

    /// <summary>"immigration support +0.59 [+0.41, +0.75], drift time 0.05".</summary>
    public override string ToString() => $"{Row.Topic} {Row.Stance.Label()} {Text}";

    /// <summary>A signed probability change with a real minus sign, as every notebook table writes it.</summary>
    public static string Signed(double x) => x.ToString("+0.00;−0.00;0.00", CultureInfo.InvariantCulture);

    /// <summary>The same to three decimals, for the small changes of the likelihood probe.</summary>
    public static string Signed3(double x) => x.ToString("+0.000;−0.000;0.000", CultureInfo.InvariantCulture);
}
