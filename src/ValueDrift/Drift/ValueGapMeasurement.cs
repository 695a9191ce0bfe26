using ValueDrift.Errors;
using ValueDrift.Probes;

namespace ValueDrift.Drift;

/// <summary>A pair left out of a value gap: the judge gave no reading of one of its answers after its retries.</summary>
/// <param name="Problem">The judge's last problem, naming the endpoint and HTTP status when it was an endpoint's.</param>
public sealed record SkippedPair(ValueGapItem Pair, string Side, string Problem)
{
    /// <summary>"pairs.jsonl row 7 (topic 'x'), chosen: problem".</summary>
    public override string ToString() => $"{Pair.Origin ?? "pair"} (topic '{Pair.Topic}'), {Side}: {Problem}";
}

/// <summary>
/// Value gaps measured as <c>probe</c> measures stances: each answer judged on its own with the judge's retries
/// (<see cref="IStanceJudge.JudgeEach(IReadOnlyList{JudgeItem})"/>), a pair one of whose answers still has no reading skipped and counted, up to
/// <c>maxSkippedFraction</c> of the pairs; past it (or with no pair left) a <see cref="ValueDriftException"/> names
/// how many failed and the first problem with its pair — never one batch failure for all.
/// </summary>
public sealed record ValueGapMeasurement(IReadOnlyList<ValueGap> Gaps, IReadOnlyList<SkippedPair> Skipped, int Pairs)
{
    /// <summary>Largest share of pairs that may be skipped unless told otherwise: the generation probe's (0.1).</summary>
    public static double DefaultMaxSkippedFraction => new GenerationProbeOptions().MaxUnjudgedFraction;

    public static ValueGapMeasurement Measure(IStanceJudge judge, IReadOnlyList<ValueGapItem> pairs, double maxSkippedFraction)
    {
        if (maxSkippedFraction is < 0 or > 1 || double.IsNaN(maxSkippedFraction))
            throw new ConfigException("value gap", "max-unjudged", $"must be in [0, 1] (got {maxSkippedFraction})");
        var items = pairs.SelectMany(p => new[] { new JudgeItem(p.Topic, p.Prompt, p.Chosen), new JudgeItem(p.Topic, p.Prompt, p.Rejected) }).ToList();
        var judged = judge.JudgeEach(items);
        if (judged.Count != items.Count) throw new InvalidOperationException($"judge returned {judged.Count} readings for {items.Count} items");
        var kept = new List<(ValueGapItem Pair, StanceDistribution Chosen, StanceDistribution Rejected)>();
        var skipped = new List<SkippedPair>();
        for (var i = 0; i < pairs.Count; i++)
        {
            var (chosen, rejected) = (judged[2 * i], judged[2 * i + 1]);
            if (!chosen.Judged) skipped.Add(new SkippedPair(pairs[i], "chosen", chosen.Problem ?? "no reading"));
            else if (!rejected.Judged) skipped.Add(new SkippedPair(pairs[i], "rejected", rejected.Problem ?? "no reading"));
            else kept.Add((pairs[i], chosen.Distribution!, rejected.Distribution!));
        }
        if (kept.Count == 0 || skipped.Count > maxSkippedFraction * pairs.Count)
            throw new ValueDriftException(FormattableString.Invariant(
                $"value gap: the judge left {skipped.Count} of {pairs.Count} pairs without a reading after retries, more than the {maxSkippedFraction:0.###} allowed (--max-unjudged); first: {skipped[0]}"));
        var gaps = kept.GroupBy(x => x.Pair.Topic)
            .Select(g => ValueGap.From(g.Key, g.Select(x => x.Chosen).ToList(), g.Select(x => x.Rejected).ToList()))
            .ToList();
        return new ValueGapMeasurement(gaps, skipped, pairs.Count);
    }
}
