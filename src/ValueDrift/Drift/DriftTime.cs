using ValueDrift.Probes;

namespace ValueDrift.Drift;

/// <summary>How drift time decides that a checkpoint has reached the phase's extreme value.</summary>
public enum DriftTimeCriterion
{
    /// <summary>
    /// p_s(t) lies inside the <see cref="ConfidenceBand"/> of the extreme value: a level interval over questions, as
    /// wide as the questions' spread of levels, so a drift smaller than its half-width counts as reached at the start.
    /// </summary>
    LevelBand,
    /// <summary>
    /// The paired interval over questions of the mean of d_q = p_s,q(t) − p_s,q(extremum) contains 0: each question is
    /// compared with itself at the extremum, so only how the questions' changes disagree widens the interval.
    /// </summary>
    Paired,
    /// <summary>Both of the above: the later of the two times, so neither the level spread nor the answer noise alone can call a drift reached early.</summary>
    Both,
}

/// <summary>Settings of a drift time.</summary>
public sealed record DriftTimeOptions
{
    /// <summary>
    /// The default criterion, chosen by the simulation in docs/drift-metrics.md ("Choosing the criterion"): over eight
    /// slow/fast × small/large × noisy/near-exact cells, Both has the smallest mean error against the true 95% time
    /// (0.26, against 0.28 paired and 0.32 level band), and unlike the level band it does not call a small drift
    /// measured with little answer noise acquired at step 0 (level band: 44% of reported slow small drifts).
    /// </summary>
    public const DriftTimeCriterion DefaultCriterion = DriftTimeCriterion.Both;

    public DriftTimeCriterion Criterion { get; init; } = DefaultCriterion;
    /// <summary>The endpoint of the magnitude M whose interval gates the drift time (the drift table's endpoint).</summary>
    public DriftEndpoint Endpoint { get; init; } = DriftEndpoint.PhaseEnd;
    public int Seed { get; init; } = 0;
    public int Resamples { get; init; } = Bootstrap.DefaultResamples;
    public double Level { get; init; } = Bootstrap.DefaultLevel;
}

/// <summary>
/// A drift time, or why there is none: <see cref="Value"/> is NaN with a <see cref="Note"/> when the phase has a single
/// point (<see cref="DriftTime.SinglePoint"/>) or its magnitude is within noise (<see cref="DriftTime.NoDrift"/>).
/// <see cref="ExtremumStep"/> is the step the time is measured to.
/// </summary>
public sealed record DriftTimeReading(double Value, int ExtremumStep, string? Note)
{
    public bool Defined => !double.IsNaN(Value);
}

/// <summary>
/// Drift time (paper §3): η_s = η_ext / η_total, the fraction of a phase's training steps that stance s's
/// probability needs to settle near its extreme value.
/// <list type="bullet">
/// <item>Only a phase that drifted has a drift time: when the interval of M (to the drift table's endpoint) contains
/// 0 the answer is "none" (NaN, <see cref="NoDrift"/>), not 0 — a flat phase acquired nothing, early or late. M's
/// interval is the paired bootstrap over questions (<see cref="MagnitudeInterval"/>); a trace without per-question
/// values uses the normal approximation of a difference of two proportions over the judged answers.</item>
/// <item>The extreme value is p_s at the phase's extremum: the step where |p_s − p_s(start)| is largest (the first
/// such step on a tie; <see cref="DriftMagnitude.ExtremeIndex"/>), so a phase that peaks and falls back is timed to
/// its peak.</item>
/// <item>η_ext = (first step that has reached the extreme value by the <see cref="DriftTimeCriterion"/>) − (first
/// step of the phase); η_total = (last step) − (first step) of the phase's series.</item>
/// </list>
/// A phase with a single point has no steps to measure (NaN, <see cref="SinglePoint"/>). The result lies in [0, 1];
/// small values mean the value was acquired early in the phase.
/// </summary>
public static class DriftTime
{
    /// <summary>Note of a phase whose magnitude interval contains 0.</summary>
    public const string NoDrift = "none: the magnitude's interval contains 0";

    /// <summary>Note of a phase with a single point.</summary>
    public const string SinglePoint = "a single measurement: nothing to time";

    /// <summary>Drift time of stance <paramref name="stance"/> over a phase's series (sorted by step); NaN when none.</summary>
    public static double Of(IReadOnlyList<TrajectoryPoint> series, Stance stance, DriftTimeOptions? options = null) =>
        Measure(series, stance, options).Value;

    /// <summary>Drift time for a phase and topic of a trajectory; NaN when none.</summary>
    public static double Of(Trajectory trajectory, string phase, string topic, Stance stance, DriftTimeOptions? options = null) =>
        Of(trajectory.Series(phase, topic), stance, options);

    /// <summary>The drift time with the step it is timed to, or why there is none.</summary>
    public static DriftTimeReading Measure(IReadOnlyList<TrajectoryPoint> series, Stance stance, DriftTimeOptions? options = null)
    {
        options ??= new DriftTimeOptions();
        if (series.Count < 2) return new DriftTimeReading(double.NaN, series.Count == 1 ? series[0].Step : 0, SinglePoint);
        var total = series[^1].Step - series[0].Step;
        if (total <= 0) throw new ArgumentException("the series' steps must increase");
        var extremeIndex = DriftMagnitude.ExtremeIndex(series, stance);
        var extreme = series[extremeIndex];
        if (!Drifted(series[0], DriftMagnitude.At(series, stance, options.Endpoint), stance, options))
            return new DriftTimeReading(double.NaN, extreme.Step, NoDrift);
        for (var i = 0; i <= extremeIndex; i++)
            if (Reached(series[i], extreme, stance, options))
                return new DriftTimeReading((double)(series[i].Step - series[0].Step) / total, extreme.Step, null);
        // Unreachable: the extremum has reached itself under both criteria.
        throw new InvalidOperationException("the extreme value has not reached itself");
    }

    /// <summary>True when the interval of M = p_s(end) − p_s(start) excludes 0.</summary>
    internal static bool Drifted(TrajectoryPoint start, TrajectoryPoint end, Stance stance, DriftTimeOptions o)
    {
        var ci = MagnitudeInterval.Of(start, end, stance, o.Seed, o.Resamples, o.Level).Interval ?? NormalDifference(start, end, stance, o.Level);
        return !ci.Contains(0);
    }

    /// <summary>Whether <paramref name="point"/> has reached the extreme value under the chosen criterion.</summary>
    private static bool Reached(TrajectoryPoint point, TrajectoryPoint extreme, Stance stance, DriftTimeOptions o)
    {
        if (ReferenceEquals(point, extreme)) return true;
        var inBand = ConfidenceBand.At(extreme, stance, o.Seed, o.Resamples, o.Level).Contains(point[stance]);
        if (o.Criterion == DriftTimeCriterion.LevelBand) return inBand;
        if (o.Criterion == DriftTimeCriterion.Both && !inBand) return false;
        var paired = MagnitudeInterval.Of(extreme, point, stance, o.Seed, o.Resamples, o.Level).Interval
                     ?? NormalDifference(extreme, point, stance, o.Level);
        return paired.Contains(0);
    }

    /// <summary>
    /// The normal-approximation interval of p_s(b) − p_s(a) when no per-question values allow a paired bootstrap:
    /// d ± z·sqrt(p_a(1 − p_a)/n_a + p_b(1 − p_b)/n_b) over the judged answers; no answers gives [−1, 1].
    /// </summary>
    internal static Interval NormalDifference(TrajectoryPoint a, TrajectoryPoint b, Stance stance, double level)
    {
        var d = b[stance] - a[stance];
        if (a.N <= 0 || b.N <= 0) return new Interval(-1, 1);
        var z = ConfidenceBand.NormalQuantile(0.5 + level / 2);
        var half = z * Math.Sqrt(a[stance] * (1 - a[stance]) / a.N + b[stance] * (1 - b[stance]) / b.N);
        return new Interval(d - half, d + half);
    }
}
