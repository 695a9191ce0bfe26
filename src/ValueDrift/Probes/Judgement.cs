namespace ValueDrift.Probes;

/// <summary>
/// A judge's outcome for one answer: its stance distribution and how it was read, or, when the judge gave no reading
/// after its retries (no label in the reply, an endpoint still failing), <see cref="Distribution"/> null and the
/// <see cref="Problem"/>. <see cref="Cached"/>: taken from a <see cref="JudgementCache"/> rather than asked for.
/// </summary>
public sealed record Judgement(StanceDistribution? Distribution, JudgeReadout Readout, string? Problem = null, bool Cached = false)
{
    public bool Judged => Distribution is not null;

    public static Judgement Failed(string problem) => new(null, JudgeReadout.Text, problem);
}
