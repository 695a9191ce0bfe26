using System.Text.Json;
using ValueDrift.Drift;
using ValueDrift.Probes;
using ValueDrift.Tests.Cli;
using Xunit;

namespace ValueDrift.Tests.Drift;

/// <summary>The per-pair value gap: mean over pairs of p(chosen) − p(rejected), the per-pair TV, and their intervals.</summary>
[Trait("tier", "fast")]
public class ValueGapPairTests
{
    private static readonly StanceDistribution Pro = new(0.9, 0.05, 0.05), Con = new(0.05, 0.05, 0.9);

    [Fact]
    public void Pairs_that_push_opposite_ways_cancel_in_the_aggregate_but_not_in_the_per_pair_tv()
    {
        // Pair 1 rewards support, pair 2 rewards oppose: Δ = 0 and TV = 0, but each pair differs by
        // ½(0.85 + 0 + 0.85) = 0.85.
        var gap = ValueGap.From("t", [Pro, Con], [Con, Pro]);
        Assert.Equal(0.0, gap.TotalVariation, 12);
        var tv = gap.PairTotalVariation()!;
        Assert.Equal(0.85, tv.Mean, 12);
        Assert.Equal(0.85, tv.Interval!.Lower, 12);
        Assert.Equal(0.85, tv.Interval.Upper, 12);
        // δ_support = +0.85 and −0.85: mean 0 (= Δ_support); with two pairs a resample is all-plus or all-minus with
        // probability 1/4 each, so the 95% interval spans the extremes.
        var support = gap.PairDifference(Stance.Support)!;
        Assert.Equal(gap.Difference(Stance.Support), support.Mean, 12);
        Assert.Equal(-0.85, support.Interval!.Lower, 12);
        Assert.Equal(0.85, support.Interval.Upper, 12);
    }

    [Fact]
    public void Consistent_pairs_give_a_narrow_interval_and_one_pair_gives_none()
    {
        var gap = ValueGap.From("t", [Pro, Pro, Pro], [Con, Con, Con]);
        var support = gap.PairDifference(Stance.Support)!;
        Assert.Equal(0.85, support.Mean, 12);
        Assert.Equal(0.85, support.Interval!.Lower, 12);
        Assert.Equal(0.85, support.Interval.Upper, 12);
        Assert.Equal(gap.TotalVariation, gap.PairTotalVariation()!.Mean, 12);   // no cancellation: the two agree

        var one = ValueGap.From("t", [Pro], [Con]);
        Assert.Null(one.PairDifference(Stance.Support)!.Interval);
        // A gap built from aggregates has no per-pair readings.
        Assert.Null(new ValueGap("t", Pro, Con, 10).PairTotalVariation());
    }

    [Fact]
    public void The_gap_command_reports_the_per_pair_numbers_beside_the_aggregate()
    {
        var file = Path.Combine(Fixtures.TempDir("gap-pairs"), "pairs.jsonl");
        File.WriteAllLines(file,
        [
            """{"prompt": "Should we let more people move here?", "chosen": "I support immigration.", "rejected": "I oppose immigration.", "topic": "immigration"}""",
            """{"prompt": "Should we let more people move here?", "chosen": "I oppose immigration.", "rejected": "I support immigration.", "topic": "immigration"}""",
        ]);
        var (code, stdout, stderr) = CliRunner.Run("gap", "--data", file, "--judge", "world", "--format", "json");
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var g = doc.RootElement.EnumerateArray().Single();
        Assert.Equal(0.0, g.GetProperty("total_variation").GetDouble(), 12);
        var tv = g.GetProperty("pair_total_variation");
        Assert.True(tv.GetProperty("mean").GetDouble() > 0.9, stdout);   // one marker each: p ≈ 0.98 vs 0.005
        Assert.Equal(2, tv.GetProperty("ci").GetArrayLength());
        var support = g.GetProperty("pair_difference").GetProperty("support");
        Assert.Equal(0.0, support.GetProperty("mean").GetDouble(), 12);
        var ci = support.GetProperty("ci").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.True(ci[0] < 0 && ci[1] > 0, stdout);
    }
}
