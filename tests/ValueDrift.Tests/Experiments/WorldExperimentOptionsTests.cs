using ValueDrift.Experiments;
using ValueDrift.WorldRuns;
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

    [Fact]
    public void TheDemosFindingsRestOnThreeSeedsAndTheSmallSizesOnOne()
    {
        Assert.Equal(3, WorldRecipe.Shipped.Seeds);
        Assert.Equal(3, WorldExperimentOptions.Default("run").Seeds);
        Assert.Equal([1L, 2L, 3L], WorldExperimentOptions.Default("run").TrainingSeeds);
        Assert.Equal(1, WorldExperimentOptions.Quick("run").Seeds);
        Assert.Equal(1, WorldExperimentOptions.Notebook("run", null).Seeds);
    }
}
