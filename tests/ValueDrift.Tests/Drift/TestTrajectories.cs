using ValueDrift.Drift;
using ValueDrift.Probes;

namespace ValueDrift.Tests.Drift;

/// <summary>Hand-built trajectories with known drift, shared by the drift and reporting tests.</summary>
public static class TestTrajectories
{
    /// <summary>A distribution with the given probability for one stance and the rest split evenly.</summary>
    public static StanceDistribution With(Stance stance, double p)
    {
        var rest = (1 - p) / 2;
        return stance switch
        {
            Stance.Support => new(p, rest, rest),
            Stance.Neutral => new(rest, p, rest),
            _ => new(rest, rest, p),
        };
    }

    /// <summary>Records of one phase/topic where <paramref name="stance"/> takes the given values at the given steps.</summary>
    public static IEnumerable<TraceRecord> Series(string phase, string topic, Stance stance, int n, params (int Step, double P)[] points) =>
        points.Select(x => new TraceRecord(phase, x.Step, topic, With(stance, x.P), n));

    /// <summary>
    /// Two phases, two topics: SFT (steps 0..40) moves immigration's support up from 0.2 to a peak of 0.8 at step 30
    /// and climate's oppose down; DPO (steps 0..100, its own count) moves immigration's oppose down quickly.
    /// </summary>
    public static Trajectory TwoPhases() => new(
        Series("sft", "immigration", Stance.Support, 250, (0, 0.2), (10, 0.6), (20, 0.79), (30, 0.8), (40, 0.78))
        .Concat(Series("sft", "climate change", Stance.Oppose, 100, (0, 0.5), (10, 0.45), (20, 0.3), (30, 0.2), (40, 0.2)))
        .Concat(Series("dpo", "immigration", Stance.Oppose, 100, (0, 0.6), (5, 0.15), (50, 0.1), (100, 0.11)))
        .Concat(Series("dpo", "climate change", Stance.Neutral, 100, (0, 0.3), (50, 0.3), (100, 0.3))));
}
