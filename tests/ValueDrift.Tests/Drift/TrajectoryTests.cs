using ValueDrift.Drift;
using ValueDrift.Probes;
using Xunit;
using static ValueDrift.Tests.Drift.TestTrajectories;

namespace ValueDrift.Tests.Drift;

[Trait("tier", "fast")]
public class TrajectoryTests
{
    [Fact]
    public void Phases_and_topics_keep_first_appearance_order_and_points_are_sorted()
    {
        var t = new Trajectory(
            Series("sft", "b", Stance.Support, 10, (20, 0.3), (0, 0.1))
            .Concat(Series("dpo", "a", Stance.Support, 10, (0, 0.5)))
            .Concat(Series("sft", "a", Stance.Support, 10, (10, 0.2))));
        Assert.Equal(["sft", "dpo"], t.Phases);
        Assert.Equal(["b", "a"], t.Topics);
        Assert.Equal([0, 20], t.Series("sft", "b").Select(p => p.Step));
        Assert.Equal(["b", "a"], t.TopicsIn("sft"));
        Assert.Empty(t.Series("dpo", "b"));
    }

    [Fact]
    public void A_step_recorded_twice_keeps_the_later_record()
    {
        var t = new Trajectory(Series("sft", "a", Stance.Support, 10, (0, 0.1), (10, 0.2), (10, 0.4)));
        Assert.Equal(0.4, t.Series("sft", "a")[1][Stance.Support], 12);
        Assert.Equal(2, t.Series("sft", "a").Count);
    }

    [Fact]
    public void Global_offsets_lay_phases_end_to_end()
    {
        var t = new Trajectory(
            Series("sft", "a", Stance.Support, 10, (0, 0.1), (100, 0.2))
            .Concat(Series("dpo", "a", Stance.Support, 10, (0, 0.2), (50, 0.3)))      // counts from 0: shifted to 100
            .Concat(Series("ppo", "a", Stance.Support, 10, (150, 0.3), (200, 0.4)))); // already global: kept
        Assert.Equal(0, t.GlobalOffset("sft"));
        Assert.Equal(100, t.GlobalOffset("dpo"));
        Assert.Equal(0, t.GlobalOffset("ppo"));
        Assert.Equal((0, 50), t.StepRange("dpo"));
    }

    [Fact]
    public void FromTrace_reads_the_file()
    {
        var path = Path.Combine(Fixtures.TempDir("trajectory"), "trace.jsonl");
        using (var w = new TraceWriter(path)) w.AppendAll(TwoPhases().Records());
        var t = Trajectory.FromTrace(path);
        Assert.Equal(["sft", "dpo"], t.Phases);
        Assert.Equal(0.8, t.Series("sft", "immigration")[3][Stance.Support], 12);
    }
}
