using ValueDrift.Probes;

namespace ValueDrift.Drift;

/// <summary>Turns what a probe measured into trace lines; here, not in Probes, because probes know nothing of phases or traces.</summary>
public static class ProbeResultTrace
{
    /// <summary>
    /// One trace line per topic for the checkpoint at <paramref name="step"/> of <paramref name="phase"/>. A topic's
    /// <c>kl_from_start</c> gets its percentile bootstrap interval over questions (seed 0, the defaults of
    /// <see cref="Bootstrap"/>), none with fewer than two questions.
    /// </summary>
    public static IReadOnlyList<TraceRecord> ToTraceRecords(this ProbeResult result, string phase, int step)
    {
        if (string.IsNullOrWhiteSpace(phase)) throw new ArgumentException("a trace record needs a phase name", nameof(phase));
        if (step < 0) throw new ArgumentOutOfRangeException(nameof(step), step, "steps count from 0");
        return result.Topics.Select(t => new TraceRecord(phase, step, t.Topic, t.Value, t.N, t.Questions)
        {
            Unjudged = t.Unjudged, Readouts = t.Readouts, Health = t.Health, KlFromStart = t.KlFromStart, KlFromStartCi = KlInterval(t),
        }).ToList();
    }

    private static Interval? KlInterval(TopicMeasurement t)
    {
        if (t.KlFromStart is null) return null;
        var perQuestion = t.Questions.Where(q => q.KlFromStart is not null).Select(q => q.KlFromStart!.Value).ToList();
        return perQuestion.Count < 2 ? null : Bootstrap.MeanInterval(perQuestion);
    }
}
