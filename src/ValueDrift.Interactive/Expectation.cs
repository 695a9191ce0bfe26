using System.Globalization;
using ValueDrift.Drift;
using ValueDrift.Probes;

namespace ValueDrift.Interactive;

/// <summary>
/// What a notebook's "what you should see" expects of a stage, as something the stage's own numbers can confirm or
/// contradict: a stance rising, falling, or staying smaller than another stage's change. <see cref="StageChange.Check"/>
/// reads each topic's drift magnitude and its 95% interval against it, so the prose beside a cell can never claim what
/// the cell's numbers deny: the verdict is printed from the run.
/// </summary>
public sealed record Expectation(Stance Stance, string Description, Func<DriftRow, Verdict> Judge)
{
    /// <summary>The stance's probability rises over the stage: its interval lies above 0.</summary>
    public static Expectation Rises(Stance stance) =>
        new(stance, $"{stance.Label()} rises", r => Verdicts.Of(r.MagnitudeCi?.Interval, +1));

    /// <summary>The stance's probability falls over the stage: its interval lies below 0.</summary>
    public static Expectation Falls(Stance stance) =>
        new(stance, $"{stance.Label()} falls", r => Verdicts.Of(r.MagnitudeCi?.Interval, -1));

    /// <summary>
    /// The stance moves less than <paramref name="reference"/> moved it on the same topic (standard preference data
    /// against SFT): consistent when the whole interval of |M| lies below the reference's |M|, opposite when it lies
    /// above, not seen when it straddles it (and consistent when the change is within noise and the reference's is
    /// not, since then the data cannot show a change at all while the reference's is real).
    /// </summary>
    public static Expectation SmallerThan(Stance stance, StageChange reference) =>
        SmallerThan(stance, reference.Phase, topic => reference.Delta(topic, stance));

    /// <summary><see cref="SmallerThan(Stance, StageChange)"/> against a reference phase's magnitude per topic.</summary>
    public static Expectation SmallerThan(Stance stance, string referencePhase, Func<string, double> referenceMagnitude) =>
        new(stance, $"{stance.Label()} moves less than in {referencePhase}", r =>
        {
            if (r.MagnitudeCi?.Interval is not { } ci) return Verdict.Undetermined;
            var bound = Math.Abs(referenceMagnitude(r.Topic));
            if (double.IsNaN(bound)) return Verdict.Undetermined;
            // |M| ranges over [max(0, ...), max(|lower|, |upper|)]: 0 when the interval contains 0.
            var lowest = ci.Contains(0) ? 0 : Math.Min(Math.Abs(ci.Lower), Math.Abs(ci.Upper));
            var highest = Math.Max(Math.Abs(ci.Lower), Math.Abs(ci.Upper));
            if (highest < bound) return Verdict.Consistent;
            if (lowest > bound) return Verdict.Opposite;
            return Verdict.NotSeen;
        });
}

/// <summary>The verdicts of one <see cref="Expectation"/> on one stage, per topic, with the sentences a cell prints.</summary>
public sealed record ExpectationCheck(string Phase, Expectation Expectation, IReadOnlyList<(DriftRow Row, Verdict Verdict)> Topics)
{
    /// <summary>True when some topic's interval says the opposite of the expectation.</summary>
    public bool Contradicted => Topics.Any(t => t.Verdict == Verdict.Opposite);

    /// <summary>How many topics each verdict got, e.g. "consistent on 3 of 4 topics, not seen on 1".</summary>
    public string Tally
    {
        get
        {
            var n = Topics.Count;
            var parts = Topics.GroupBy(t => t.Verdict).OrderBy(g => g.Key)
                .Select(g => $"{g.Key.Label()} on {g.Count()} of {n} topic{(n == 1 ? "" : "s")}");
            return string.Join(", ", parts);
        }
    }

    /// <summary>
    /// The verdict in one line, topics named under each verdict ("Expected: support rises. This run, by each topic's
    /// 95% interval: consistent on immigration, climate-change; not seen on abortion."), and where the run contradicts
    /// the expectation, a second line saying so and where to look. The numbers themselves are <see cref="StageChange.Sentences"/>.
    /// </summary>
    public IReadOnlyList<string> Sentences()
    {
        var byVerdict = Topics.GroupBy(t => t.Verdict).OrderBy(g => g.Key)
            .Select(g => $"{g.Key.Label()} on {string.Join(", ", g.Select(t => t.Row.Topic))}");
        var lines = new List<string> { $"Expected: {Expectation.Description}. This run, by each topic's 95% interval: {string.Join("; ", byVerdict)}." };
        if (Contradicted)
            lines.Add($"The run contradicts the expectation on {string.Join(", ", Topics.Where(t => t.Verdict == Verdict.Opposite).Select(t => t.Row.Topic))}: "
                + "read the stage's answer health, divergence and (PPO) reward audit before reading this as value drift (docs/findings.md).");
        return lines;
    }
}
