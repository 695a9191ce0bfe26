using System.Globalization;
using ValueDrift.Drift;

namespace ValueDrift.Reporting;

/// <summary>
/// The answer-health and divergence table of a trajectory, one row per phase and topic: unstanced share, mixed share,
/// mean answer tokens and ended share at the phase's first → last step, and <c>kl_from_start</c> at the last step
/// with its interval. For the report page and the notebook's stage output.
/// </summary>
public static class HealthTable
{
    public static IReadOnlyList<string> Headers { get; } =
        ["phase", "topic", "steps", "unstanced", "mixed", "mean answer tokens", "ended", "KL from start (nats/answer)", "KL 95% CI"];

    /// <summary>Rows of phases and topics that have answer health or a divergence; none for a trace without them.</summary>
    public static IReadOnlyList<IReadOnlyList<string>> Rows(Trajectory trajectory)
    {
        var rows = new List<IReadOnlyList<string>>();
        foreach (var phase in trajectory.Phases)
            foreach (var topic in trajectory.TopicsIn(phase))
            {
                var series = trajectory.Series(phase, topic);
                if (series.All(p => p.Health is null && p.KlFromStart is null)) continue;
                TrajectoryPoint first = series[0], last = series[^1];
                string Pair(Func<TrajectoryPoint, double?> read, string format) =>
                    $"{F(read(first), format)} → {F(read(last), format)}";
                rows.Add(
                [
                    phase, topic, $"{first.Step}–{last.Step}",
                    Pair(p => p.Health?.Unstanced, "0.00"), Pair(p => p.Health?.Mixed, "0.00"),
                    Pair(p => p.Health?.MeanAnswerTokens, "0.0"), Pair(p => p.Health?.Ended, "0.00"),
                    F(last.KlFromStart, "0.000"), last.KlFromStartCi?.ToString() ?? "n/a",
                ]);
            }
        return rows;
    }

    /// <summary>The drift magnitude of each row of <paramref name="table"/> against the KL of its topic at the phase's last step (null where unmeasured).</summary>
    public static double? KlAtEnd(Trajectory trajectory, DriftRow row) =>
        trajectory.Series(row.Phase, row.Topic) is { Count: > 0 } s ? s[^1].KlFromStart : null;

    private static string F(double? v, string format) => v is { } x ? x.ToString(format, CultureInfo.InvariantCulture) : "n/a";
}
