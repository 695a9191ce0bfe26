using ValueDrift.Probes;

namespace ValueDrift.Drift;

/// <summary>A preference pair to measure a value gap on: the prompt, the chosen and the rejected answer, and its topic.</summary>
public sealed record ValueGapItem(string Topic, string Prompt, string Chosen, string Rejected)
{
    /// <summary>Where the pair comes from ("pairs.jsonl row 7"), for messages; null when unknown.</summary>
    public string? Origin { get; init; }
}

/// <summary>A mean over pairs with its percentile bootstrap interval over pairs (null for a single pair).</summary>
public sealed record PairEstimate(double Mean, Interval? Interval);

/// <summary>
/// The value gap of a preference dataset on one topic (paper §5): the stance distribution of its chosen answers,
/// that of its rejected answers (each the mean of the judge's per-answer distributions), their difference
/// Δ_s = p_s(chosen) − p_s(rejected) for each stance, and one scalar, the total-variation distance
/// TV = ½ Σ_s |Δ_s| ∈ [0, 1] (0: chosen and rejected take the same stances on average; 1: disjoint stances).
/// A dataset whose pairs differ only in style has a gap near 0; one built to reward a stance has a large gap.
/// <para>Per pair (when built from readings, <see cref="From"/>): δ_s,i = p_s(chosen_i) − p_s(rejected_i).
/// <see cref="PairDifference"/> is the mean over pairs of δ_s,i with its bootstrap interval over pairs — the same
/// number as Δ_s (a mean of differences is the difference of means), now with its uncertainty;
/// <see cref="PairTotalVariation"/> is the mean over pairs of ½ Σ_s |δ_s,i|, which does not let pairs that push
/// opposite ways cancel: a dataset half of whose pairs reward support and half oppose has Δ ≈ 0 but a large
/// per-pair TV.</para>
/// </summary>
public sealed record ValueGap(string Topic, StanceDistribution Chosen, StanceDistribution Rejected, int Pairs)
{
    /// <summary>δ_i = p(chosen_i) − p(rejected_i) per pair, in the stance order; null for a gap built from aggregates only.</summary>
    public IReadOnlyList<double[]>? PairDifferences { get; init; }

    /// <summary>Mean over pairs of δ_s,i with its bootstrap interval over pairs; null without per-pair readings.</summary>
    public PairEstimate? PairDifference(Stance s, int seed = 0, int resamples = Bootstrap.DefaultResamples) =>
        PairDifferences is null ? null : Estimate(PairDifferences.Select(d => d[(int)s]).ToList(), seed, resamples);

    /// <summary>Mean over pairs of ½ Σ_s |δ_s,i| with its bootstrap interval over pairs; null without per-pair readings.</summary>
    public PairEstimate? PairTotalVariation(int seed = 0, int resamples = Bootstrap.DefaultResamples) =>
        PairDifferences is null ? null : Estimate(PairDifferences.Select(d => 0.5 * d.Sum(Math.Abs)).ToList(), seed, resamples);

    private static PairEstimate Estimate(IReadOnlyList<double> values, int seed, int resamples) =>
        new(values.Average(), values.Count < 2 ? null : Bootstrap.MeanInterval(values, seed, resamples));

    /// <summary>Δ_s = p_s(chosen) − p_s(rejected).</summary>
    public double Difference(Stance s) => Chosen[s] - Rejected[s];

    /// <summary>Δ in the fixed stance order.</summary>
    public double[] Differences => StanceLabels.All.Select(Difference).ToArray();

    /// <summary>Total-variation distance ½ Σ_s |Δ_s|.</summary>
    public double TotalVariation => 0.5 * StanceLabels.All.Sum(s => Math.Abs(Difference(s)));

    /// <summary>Value gap from already judged chosen and rejected answers of one topic (one entry per pair).</summary>
    public static ValueGap From(string topic, IReadOnlyList<StanceDistribution> chosen, IReadOnlyList<StanceDistribution> rejected)
    {
        if (chosen.Count == 0 || chosen.Count != rejected.Count)
            throw new ArgumentException($"need the same positive number of chosen and rejected readings (got {chosen.Count} and {rejected.Count})");
        return new ValueGap(topic, StanceDistribution.Mean(chosen), StanceDistribution.Mean(rejected), chosen.Count)
        {
            PairDifferences = chosen.Zip(rejected, (c, r) => StanceLabels.All.Select(s => c[s] - r[s]).ToArray()).ToList(),
        };
    }

    /// <summary>
    /// Judges the chosen and rejected answers of every pair (one batched call) and returns the gap per topic, topics
    /// in order of first appearance.
    /// </summary>
    public static IReadOnlyList<ValueGap> Measure(IStanceJudge judge, IReadOnlyList<ValueGapItem> pairs)
    {
        var items = pairs.SelectMany(p => new[]
        {
            new JudgeItem(p.Topic, p.Prompt, p.Chosen),
            new JudgeItem(p.Topic, p.Prompt, p.Rejected),
        }).ToList();
        var judged = judge.JudgeMany(items);
        if (judged.Count != items.Count) throw new InvalidOperationException($"judge returned {judged.Count} readings for {items.Count} items");
        return pairs.Select((p, i) => (p.Topic, Chosen: judged[2 * i], Rejected: judged[2 * i + 1]))
            .GroupBy(x => x.Topic)
            .Select(g => From(g.Key, g.Select(x => x.Chosen).ToList(), g.Select(x => x.Rejected).ToList()))
            .ToList();
    }
}
