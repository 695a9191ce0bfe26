using ValueDrift.Common;
using Xunit;

namespace ValueDrift.Tests.Common;

[Trait("tier", "fast")]
public class PhaseProfileTests
{
    private static TimeSpan TimeOf(PhaseProfile p, string phase) => p.Read().Phases.Single(e => e.Phase == phase).Time;

    [Fact]
    public void NestedPhasesCountSelfTimeSoNoSecondIsCountedTwice()
    {
        var profile = new PhaseProfile();
        using (profile.Time("outer"))
        {
            Thread.Sleep(40);
            using (profile.Time("inner")) Thread.Sleep(80);
            Thread.Sleep(40);
        }
        var (phases, wall) = profile.Read();
        var outer = TimeOf(profile, "outer");
        var inner = TimeOf(profile, "inner");
        Assert.True(inner >= TimeSpan.FromMilliseconds(75), $"inner {inner}");
        Assert.True(outer >= TimeSpan.FromMilliseconds(75), $"outer {outer}");
        // Self times: the inner phase's 80 ms are not in the outer one's, so the two add up to at most the wall time.
        Assert.True(outer + inner <= wall, $"outer {outer} + inner {inner} > wall {wall}");
        Assert.Equal([1, 1], phases.OrderBy(p => p.Phase).Select(p => p.Count));
    }

    [Fact]
    public void AWholePhaseAbsorbsWhatRunsInsideIt()
    {
        var profile = new PhaseProfile();
        using (profile.TimeWhole("pretraining"))
        using (profile.Time("training steps"))
            Thread.Sleep(5);
        Assert.Equal(["pretraining"], profile.Read().Phases.Select(p => p.Phase));
    }

    [Fact]
    public void OtherThreadsAreNotCounted()
    {
        var profile = new PhaseProfile();
        using (profile.Time("here")) { }
        var other = new Thread(() => { using (profile.Time("elsewhere")) Thread.Sleep(1); });
        other.Start();
        other.Join();
        Assert.Equal(["here"], profile.Read().Phases.Select(p => p.Phase));
    }

    [Fact]
    public void AnInnerPhaseLeftOpenIsClosedWithItsOuterOne()
    {
        var profile = new PhaseProfile();
        var outer = profile.Time("outer");
        profile.Time("inner");   // never disposed, as when an exception skips the dispose
        outer.Dispose();
        using (profile.Time("after")) { }
        var names = profile.Read().Phases.Select(p => p.Phase).Order().ToList();
        Assert.Equal(["after", "inner", "outer"], names);
        Assert.Contains("other", profile.ToText());
    }

    [Fact]
    public void ClearForgetsPhasesAndTheThread()
    {
        var profile = new PhaseProfile();
        using (profile.Time("a")) { }
        profile.Clear();
        var other = new Thread(() => { using (profile.Time("b")) { } });
        other.Start();
        other.Join();
        Assert.Equal(["b"], profile.Read().Phases.Select(p => p.Phase));
    }
}
