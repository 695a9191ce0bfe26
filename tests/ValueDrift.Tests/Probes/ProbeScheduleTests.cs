using ValueDrift.Probes;
using Xunit;

namespace ValueDrift.Tests.Probes;

[Trait("tier", "fast")]
public class ProbeScheduleTests
{
    [Fact]
    public void DenseEarlyProbesTheStartDenselyThenEveryNthStepAndTheEnd()
    {
        Assert.Equal([0, 1, 2, 5, 10, 20, 50, 100, 250, 500, 750, 1000, 1100], ProbeSchedule.DenseEarly(1100, 250).Steps(1100));
        Assert.Equal([0, 1, 2, 5, 10, 20, 30], ProbeSchedule.DenseEarly(30, 10).Steps(30));
        Assert.Equal([0, 1, 2, 5, 10, 20, 50, 100, 150, 200], ProbeSchedule.DenseEarly(200, 50).Steps(200));
        Assert.Equal([0], ProbeSchedule.DenseEarly(0, 10).Steps(0));
    }

    [Fact]
    public void EveryAndExplicitSteps()
    {
        Assert.Equal([0, 4, 8, 10], ProbeSchedule.Every(4).Steps(10));
        Assert.Equal([0, 5, 10], ProbeSchedule.Every(5).Steps(10));
        Assert.Equal([3, 7], ProbeSchedule.At([7, 3, 12]).Steps(10));
        Assert.False(ProbeSchedule.Every(4).Includes(12, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => ProbeSchedule.Every(0));
    }
}
