using ValueDrift.Probes;

namespace ValueDrift.Drift;

/// <summary>
/// Drift magnitude among stance-taking answers, beside the paper's all-answer M: M_s^stanced = p_s^stanced(t′) −
/// p_s^stanced(t), where p^stanced is a checkpoint's value over the answers the judge placed on a stance
/// (<see cref="TrajectoryPoint.Stanced"/>) and t, t′ are the same steps as the all-answer magnitude (the phase's start,
/// and its end or the all-answer extremum). With no unstanced answer the two are equal; when a policy stops taking
/// stances, the all-answer value slides towards the reading of a no-stance answer (1/3 each for the world judge)
/// while the stanced one shows where the answers that still take a stance went.
/// <para>Its interval is the paired percentile bootstrap over questions of <see cref="MagnitudeInterval"/>, over the
/// questions with at least one stance-taking answer at both steps.</para>
/// </summary>
public static class StancedMagnitude
{
    /// <summary>Note when the trace has no stanced detail.</summary>
    public const string NoDetail = "no stance-taking detail in the trace";

    /// <summary>M^stanced of a phase's series to the chosen endpoint (null with a note where it cannot be computed) and its interval.</summary>
    public static (double? Value, MagnitudeInterval Interval) Of(IReadOnlyList<TrajectoryPoint> series, Stance stance, DriftEndpoint endpoint,
        int seed = 0, int resamples = Bootstrap.DefaultResamples, double level = Bootstrap.DefaultLevel)
    {
        var value = ValueOf(series, stance, endpoint);
        if (series.Count < 2) return (value, new MagnitudeInterval(null, 0, "a single measurement: nothing to compare"));
        return (value, Interval(series[0], DriftMagnitude.At(series, stance, endpoint), stance, seed, resamples, level));
    }

    /// <summary>M^stanced alone, without its bootstrap interval (null where a step has no stance-taking detail).</summary>
    public static double? ValueOf(IReadOnlyList<TrajectoryPoint> series, Stance stance, DriftEndpoint endpoint)
    {
        if (series.Count == 0) throw new ArgumentException("empty series");
        var end = DriftMagnitude.At(series, stance, endpoint);
        return series[0].Stanced is { } a && end.Stanced is { } b ? b[stance] - a[stance] : null;
    }

    /// <summary>The paired bootstrap over questions with stance-taking answers at both points.</summary>
    public static MagnitudeInterval Interval(TrajectoryPoint start, TrajectoryPoint end, Stance stance,
        int seed = 0, int resamples = Bootstrap.DefaultResamples, double level = Bootstrap.DefaultLevel)
    {
        if (start.Stanced is null || end.Stanced is null)
            return new MagnitudeInterval(null, 0, start.Questions is null || end.Questions is null || start.Questions.Concat(end.Questions).Any(q => q.StancedN is null)
                ? NoDetail : "no stance-taking answer at one of the two steps");
        var atStart = start.Questions!.Where(q => q.StancedN > 0).ToDictionary(q => q.Id, StringComparer.Ordinal);
        var differences = end.Questions!.Where(q => q.StancedN > 0 && atStart.ContainsKey(q.Id))
            .Select(q => q.Stanced![stance] - atStart[q.Id].Stanced![stance]).ToList();
        if (differences.Count < 2)
            return new MagnitudeInterval(null, differences.Count,
                $"fewer than two questions with stance-taking answers at both steps ({differences.Count}); a bootstrap over questions needs two");
        return new MagnitudeInterval(Bootstrap.MeanInterval(differences, seed, resamples, level), differences.Count, null);
    }
}
