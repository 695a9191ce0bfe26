using ValueDrift.Probes;

namespace ValueDrift.Drift;

/// <summary>Which checkpoint t′ a drift magnitude is measured to.</summary>
public enum DriftEndpoint
{
    /// <summary>t′ = the last step of the phase.</summary>
    PhaseEnd,
    /// <summary>t′ = the extremum: the step of the largest |p(t) − p(start)| in the phase.</summary>
    Extremum,
}

/// <summary>
/// Drift magnitude (paper §3): M_s(t, t′) = p_s(t′) − p_s(t), the signed change of stance s's probability on a topic
/// between two checkpoints. By default t is the first step of the phase and t′ its last; with
/// <see cref="DriftEndpoint.Extremum"/>, t′ is the phase's extremum: the step where p_s is farthest from its start
/// value, |p_s(t′) − p_s(start)| largest (the first such step on a tie). A phase that rises and then falls back is
/// scored at its peak, whatever its end.
/// </summary>
public static class DriftMagnitude
{
    /// <summary>M_s between the first point and the chosen endpoint of a phase's series (sorted by step).</summary>
    public static double Of(IReadOnlyList<TrajectoryPoint> series, Stance stance, DriftEndpoint endpoint = DriftEndpoint.PhaseEnd)
    {
        if (series.Count == 0) throw new ArgumentException("a drift magnitude needs at least one point");
        var start = series[0][stance];
        return At(series, stance, endpoint)[stance] - start;
    }

    /// <summary>M_s between two given points.</summary>
    public static double Between(TrajectoryPoint t, TrajectoryPoint tPrime, Stance stance) => tPrime[stance] - t[stance];

    /// <summary>M_s for a phase and topic of a trajectory.</summary>
    public static double Of(Trajectory trajectory, string phase, string topic, Stance stance, DriftEndpoint endpoint = DriftEndpoint.PhaseEnd) =>
        Of(trajectory.Series(phase, topic), stance, endpoint);

    /// <summary>The t′ point: the last point, or the extremum (see <see cref="ExtremeIndex"/>).</summary>
    public static TrajectoryPoint At(IReadOnlyList<TrajectoryPoint> series, Stance stance, DriftEndpoint endpoint)
    {
        if (series.Count == 0) throw new ArgumentException("empty series");
        return endpoint == DriftEndpoint.PhaseEnd ? series[^1] : series[ExtremeIndex(series, stance)];
    }

    /// <summary>
    /// Index of the phase's extremum for stance s: the first point whose |p_s − p_s(start)| is largest. A flat
    /// series has its extremum at the start (index 0).
    /// </summary>
    public static int ExtremeIndex(IReadOnlyList<TrajectoryPoint> series, Stance stance)
    {
        if (series.Count == 0) throw new ArgumentException("empty series");
        var start = series[0][stance];
        var best = 0;
        var bestDistance = 0.0;
        for (var i = 1; i < series.Count; i++)
        {
            var distance = Math.Abs(series[i][stance] - start);
            if (distance > bestDistance) { best = i; bestDistance = distance; }
        }
        return best;
    }
}
