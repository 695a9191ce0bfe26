using ValueDrift.Experiments;
using Xunit;

namespace ValueDrift.Tests.Experiments;

[Trait("tier", "fast")]
public class WorldExperimentOptionsTests
{
    [Fact]
    public void WithStepsChangesTheThreeStageLengthsAndKeepsEveryOtherOption()
    {
        var o = WorldExperimentOptions.Quick("run") with { Seed = 9, ProbeSamples = 4, CacheRoot = "cache" };
        var c = o.WithSteps(7, 3, 2);
        Assert.Equal((7, 3, 2), (c.SftSteps, c.PreferenceSteps, c.PpoSteps));
        Assert.Equal((12, 6, 3), (o.SftSteps, o.PreferenceSteps, o.PpoSteps));   // the original is untouched
        // Put the three back by hand: the rest must be the original, property for property (record equality).
        Assert.Equal(o, c with { SftSteps = 12, PreferenceSteps = 6, PpoSteps = 3 });
    }
}
