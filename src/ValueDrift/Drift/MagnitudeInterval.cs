using ValueDrift.Probes;

namespace ValueDrift.Drift;

/// <summary>
/// The bootstrap interval of a drift magnitude, or why there is none: <see cref="Interval"/> is null when it cannot
/// be computed, and <see cref="Note"/> then says why ("no per-question detail", "fewer than two questions ...").
/// <see cref="Questions"/> is the number of questions the interval resamples.
/// </summary>
public sealed record MagnitudeInterval(Interval? Interval, int Questions, string? Note)
{
    /// <summary>Note of a trace without per-question values (older traces, or records written without detail).</summary>
    public const string NoDetail = "no per-question values in the trace";

    /// <summary>
    /// The paired percentile bootstrap of M_s = p_s(end) − p_s(start) over questions: the questions measured at both
    /// points (matched by id) give one difference each, d_q = p_s,q(end) − p_s,q(start), where p_s,q is the
    /// question's value (its answers already averaged, never resampled on their own); the interval is the
    /// percentile bootstrap of the mean of d_q. Resampling a question takes both of its ends, so what the questions
    /// share (their framing, their difficulty) cancels in the difference.
    /// <para>No interval (null, with a note) when either point lacks per-question values, or when fewer than two
    /// questions are shared: one question cannot show how much questions disagree.</para>
    /// </summary>
    public static MagnitudeInterval Of(TrajectoryPoint start, TrajectoryPoint end, Stance stance, int seed = 0,
        int resamples = Bootstrap.DefaultResamples, double level = Bootstrap.DefaultLevel)
    {
        if (start.Questions is not { Count: > 0 } a || end.Questions is not { Count: > 0 } b)
            return new MagnitudeInterval(null, 0, NoDetail);
        var atStart = new Dictionary<string, QuestionDetail>(StringComparer.Ordinal);
        foreach (var q in a) atStart[q.Id] = q;
        var differences = new List<double>();
        foreach (var q in b)
            if (atStart.TryGetValue(q.Id, out var first)) differences.Add(q.Value[stance] - first.Value[stance]);
        if (differences.Count < 2)
            return new MagnitudeInterval(null, differences.Count,
                $"fewer than two questions measured at both steps ({differences.Count}); a bootstrap over questions needs two");
        return new MagnitudeInterval(Bootstrap.MeanInterval(differences, seed, resamples, level), differences.Count, null);
    }

    /// <summary>The interval of the magnitude of a phase's series to the chosen endpoint (a one-point phase: n/a).</summary>
    public static MagnitudeInterval Of(IReadOnlyList<TrajectoryPoint> series, Stance stance, DriftEndpoint endpoint, int seed = 0,
        int resamples = Bootstrap.DefaultResamples, double level = Bootstrap.DefaultLevel)
    {
        if (series.Count < 2) return new MagnitudeInterval(null, 0, "a single measurement: nothing to compare");
        return Of(series[0], DriftMagnitude.At(series, stance, endpoint), stance, seed, resamples, level);
    }
}
