using ValueDrift.Experiments;
using Xunit;

namespace ValueDrift.Tests.Experiments;

[Trait("tier", "fast")]
public class WorldExperimentOptionsTests
{
    [Fact]
    public void WithStepsChangesTheStageLengthsAndKeepsEveryOtherOption()
    {
        var o = WorldExperimentOptions.Quick("run") with { Seed = 9, ProbeSamples = 4, CacheRoot = "cache" };
        var c = o.WithSteps(7, 3);
        Assert.Equal((7, 3), (c.SftSteps, c.Budget.OptimizerSteps));
        Assert.Equal((12, 8), (o.SftSteps, o.Budget.OptimizerSteps));   // the original is untouched
        // Put the two back by hand: the rest must be the original, property for property (record equality).
        Assert.Equal(o, c with { SftSteps = 12, Budget = c.Budget with { OptimizerSteps = 8 } });
    }
}
