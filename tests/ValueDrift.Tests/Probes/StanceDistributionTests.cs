using ValueDrift.Probes;
using Xunit;

namespace ValueDrift.Tests.Probes;

[Trait("tier", "fast")]
public class StanceDistributionTests
{
    [Fact]
    public void Constructor_rejects_probabilities_that_do_not_sum_to_one()
    {
        Assert.Throws<ArgumentException>(() => new StanceDistribution(0.5, 0.5, 0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new StanceDistribution(1.2, -0.1, -0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new StanceDistribution(double.NaN, 0.5, 0.5));
        var ok = new StanceDistribution(0.2, 0.3, 0.5 + 5e-7); // within 1e-6
        Assert.Equal(0.2, ok[Stance.Support]);
    }

    [Fact]
    public void From_is_the_softmax_of_the_three_scores()
    {
        var d = StanceDistribution.From(1.0, 2.0, 3.0);
        var z = Math.Exp(1) + Math.Exp(2) + Math.Exp(3);
        Assert.Equal(Math.Exp(1) / z, d.Support, 12);
        Assert.Equal(Math.Exp(2) / z, d.Neutral, 12);
        Assert.Equal(Math.Exp(3) / z, d.Oppose, 12);
        Assert.Equal(Stance.Oppose, d.Dominant);
    }

    [Fact]
    public void From_is_stable_for_huge_and_tiny_scores_and_accepts_minus_infinity()
    {
        var big = StanceDistribution.From(1000.0, 1000.0, 999.0);
        var z = 2 + Math.Exp(-1);
        Assert.Equal(1 / z, big.Support, 12);
        Assert.Equal(Math.Exp(-1) / z, big.Oppose, 12);

        var tiny = StanceDistribution.From(-2000.0, -2001.0, -2002.0);
        Assert.Equal(1 / (1 + Math.Exp(-1) + Math.Exp(-2)), tiny.Support, 12);

        var inf = StanceDistribution.From(double.NegativeInfinity, 0.0, 0.0);
        Assert.Equal(0.0, inf.Support);
        Assert.Equal(0.5, inf.Neutral, 12);
        Assert.Throws<ArgumentException>(() => StanceDistribution.From(double.NegativeInfinity, double.NegativeInfinity, double.NegativeInfinity));
    }

    [Fact]
    public void Mean_averages_elementwise()
    {
        var m = StanceDistribution.Mean([new(1, 0, 0), new(0, 1, 0), new(0.5, 0, 0.5), new(0.1, 0.2, 0.7)]);
        Assert.Equal((1 + 0 + 0.5 + 0.1) / 4, m.Support, 12);
        Assert.Equal((0 + 1 + 0 + 0.2) / 4, m.Neutral, 12);
        Assert.Equal((0 + 0 + 0.5 + 0.7) / 4, m.Oppose, 12);
        Assert.Throws<ArgumentException>(() => StanceDistribution.Mean([]));
    }

    [Fact]
    public void Dominant_breaks_ties_in_the_fixed_order()
    {
        Assert.Equal(Stance.Support, new StanceDistribution(0.4, 0.4, 0.2).Dominant);
        Assert.Equal(Stance.Neutral, new StanceDistribution(0.2, 0.4, 0.4).Dominant);
        Assert.Equal(Stance.Oppose, new StanceDistribution(0.1, 0.2, 0.7).Dominant);
    }

    [Fact]
    public void Labels_are_lower_case_and_parse_back()
    {
        Assert.Equal(["support", "neutral", "oppose"], StanceLabels.All.Select(s => s.Label()));
        Assert.Equal(Stance.Oppose, StanceLabels.TryParse(" Oppose "));
        Assert.Null(StanceLabels.TryParse("against"));
    }
}
