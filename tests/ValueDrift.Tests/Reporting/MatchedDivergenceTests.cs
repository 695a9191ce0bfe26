using ValueDrift.Reporting;
using Xunit;

namespace ValueDrift.Tests.Reporting;

[Trait("tier", "fast")]
public class MatchedDivergenceTests
{
    [Fact]
    public void TheSlopeThroughTheOriginAndItsIntervalMatchAHandComputation()
    {
        // x = KL [1, 2, 3], y = M [1.1, 1.9, 3.2]: b = Σxy/Σx² = 14.5/14; rss = Σ(y − bx)²; half-width
        // t(0.975, 2) · √(rss / 2 / 14) with t(0.975, 2) = 4.302652729749464 (tables). Computed independently in Python.
        var slope = MatchedDivergence.Of([1, 2, 3], [1.1, 1.9, 3.2])!;
        Assert.Equal(1.0357142857142858, slope.PerNat, 12);
        Assert.Equal(0.8687900995245292, slope.Lower, 9);
        Assert.Equal(1.2026384719040424, slope.Upper, 9);
        Assert.Equal(3, slope.N);
    }

    [Fact]
    public void NoSlopeWithoutTwoPointsOrWithoutDivergence()
    {
        Assert.Null(MatchedDivergence.Of([1], [0.5]));
        Assert.Null(MatchedDivergence.Of([0, 0], [0.1, -0.1]));
        Assert.Throws<ArgumentException>(() => MatchedDivergence.Of([1, 2], [0.5]));
    }
}
