using ValueDrift.Probes;

namespace ValueDrift.Reporting;

/// <summary>One colour per stance, the same in every chart (colour-blind-safe blue / grey / orange).</summary>
public static class StanceColors
{
    public static string Of(Stance s) => s switch
    {
        Stance.Support => "#1f77b4",
        Stance.Neutral => "#7f7f7f",
        _ => "#ff7f0e",
    };

    /// <summary>The colour with an alpha, for shaded bands.</summary>
    public static string Translucent(Stance s, double alpha = 0.18)
    {
        var hex = Of(s);
        int r = Convert.ToInt32(hex[1..3], 16), g = Convert.ToInt32(hex[3..5], 16), b = Convert.ToInt32(hex[5..7], 16);
        return FormattableString.Invariant($"rgba({r},{g},{b},{alpha})");
    }
}
