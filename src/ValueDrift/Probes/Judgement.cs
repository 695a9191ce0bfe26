namespace ValueDrift.Probes;

/// <summary>
/// A judge's outcome for one answer: its stance distribution and how it was read, or, when the judge gave no reading
/// after its retries (no label in the reply, an endpoint still failing), <see cref="Distribution"/> null and the
/// <see cref="Problem"/>. <see cref="Cached"/>: taken from a <see cref="JudgementCache"/> rather than asked for.
/// </summary>
public sealed record Judgement(StanceDistribution? Distribution, JudgeReadout Readout, string? Problem = null, bool Cached = false)
{
    public bool Judged => Distribution is not null;

    /// <summary>
    /// False when the judge places the answer on no stance (the world judge: no stance marker; a judge asked with the
    /// no-stance label: that label read). Its <see cref="Distribution"/> still counts in the paper's all-answer value.
    /// </summary>
    public bool Stanced { get; init; } = true;

    /// <summary>True when the answer states more than one stance (the world judge: markers of two stances); null when the judge cannot tell.</summary>
    public bool? Mixed { get; init; }

    /// <summary>The no-stance label was asked for but the reply's label alternatives did not include it (read as the smallest listed log-prob); counted, not fatal.</summary>
    public bool NoStanceLabelAbsent { get; init; }

    public static Judgement Failed(string problem) => new(null, JudgeReadout.Text, problem);
}
