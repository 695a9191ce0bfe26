using ValueDrift.Probes;

namespace ValueDrift.Drift;

/// <summary>
/// Drift time (paper §3): η_s = η_ext / η_total, the fraction of a phase's training steps that stance s's
/// probability needs to settle near its extreme value.
/// <list type="bullet">
/// <item>The extreme value is p_s at the phase's extremum: the step where |p_s − p_s(start)| is largest (the first
/// such step on a tie; <see cref="DriftMagnitude.ExtremeIndex"/>), so a phase that peaks and falls back is timed to
/// its peak.</item>
/// <item>η_ext = (first step at which p_s lies inside the <see cref="ConfidenceBand"/> of the extreme value) − (first step of the phase).</item>
/// <item>η_total = (last step) − (first step) of the phase's series.</item>
/// </list>
/// Edge cases: a flat line is already inside the band at the start, so η = 0. A one-step phase (only a start and an
/// end point) gives 1 when the end is the first point in the band and 0 when the start already is. A phase with a
/// single point has no steps to measure: the result is <see cref="double.NaN"/> (null in JSON).
/// The result lies in [0, 1]; small values mean the value was acquired early in the phase.
/// </summary>
public static class DriftTime
{
    /// <summary>Drift time of stance <paramref name="stance"/> over a phase's series (sorted by step).</summary>
    /// <param name="seed">Seed of the bootstrap band at the extreme point (ignored for the normal approximation).</param>
    public static double Of(IReadOnlyList<TrajectoryPoint> series, Stance stance, int seed = 0, int resamples = ConfidenceBand.DefaultResamples, double level = 0.95)
    {
        if (series.Count < 2) return double.NaN;
        var total = series[^1].Step - series[0].Step;
        if (total <= 0) throw new ArgumentException("the series' steps must increase");
        var extreme = series[DriftMagnitude.ExtremeIndex(series, stance)];
        var band = ConfidenceBand.At(extreme, stance, seed, resamples, level);
        foreach (var point in series)
            if (band.Contains(point[stance]))
                return (double)(point.Step - series[0].Step) / total;
        // Unreachable: the band contains the extreme point's own value.
        throw new InvalidOperationException("the extreme value lies outside its own band");
    }

    /// <summary>Drift time for a phase and topic of a trajectory.</summary>
    public static double Of(Trajectory trajectory, string phase, string topic, Stance stance, int seed = 0, int resamples = ConfidenceBand.DefaultResamples) =>
        Of(trajectory.Series(phase, topic), stance, seed, resamples);
}
