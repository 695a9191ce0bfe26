using ValueDrift.Probes;

namespace ValueDrift.Drift;

/// <summary>Which checkpoint t′ a drift magnitude is measured to.</summary>
public enum DriftEndpoint
{
    /// <summary>t′ = the last step of the phase.</summary>
    PhaseEnd,
    /// <summary>t′ = the extremum: the step of the maximum for a rise (end ≥ start), of the minimum for a fall.</summary>
    Extremum,
}

/// <summary>
/// Drift magnitude (paper §3): M_s(t, t′) = p_s(t′) − p_s(t), the signed change of stance s's probability on a topic
/// between two checkpoints. By default t is the first step of the phase and t′ its last; with
/// <see cref="DriftEndpoint.Extremum"/>, t′ is the step where p_s is largest (for a rise, p_s(end) ≥ p_s(start)) or
/// smallest (for a fall). The first step reaching the extremum is used when it is reached more than once.
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

    /// <summary>The t′ point: the last point, or the extremum in the direction of the start-to-end change.</summary>
    public static TrajectoryPoint At(IReadOnlyList<TrajectoryPoint> series, Stance stance, DriftEndpoint endpoint)
    {
        if (series.Count == 0) throw new ArgumentException("empty series");
        return endpoint == DriftEndpoint.PhaseEnd ? series[^1] : series[ExtremeIndex(series, stance)];
    }

    /// <summary>
    /// Index of the extreme value of p_s: the first maximum when the phase rises or stays flat (end ≥ start), the
    /// first minimum when it falls.
    /// </summary>
    public static int ExtremeIndex(IReadOnlyList<TrajectoryPoint> series, Stance stance)
    {
        var rising = series[^1][stance] >= series[0][stance];
        var best = 0;
        for (var i = 1; i < series.Count; i++)
        {
            var p = series[i][stance];
            if (rising ? p > series[best][stance] : p < series[best][stance]) best = i;
        }
        return best;
    }
}
