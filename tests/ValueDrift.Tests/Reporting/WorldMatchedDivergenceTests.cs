using System.Globalization;
using ValueDrift.Drift;
using ValueDrift.Experiments;
using ValueDrift.Probes;
using ValueDrift.Reporting;
using ValueDrift.WorldRuns;
using Xunit;

namespace ValueDrift.Tests.Reporting;

public class WorldMatchedDivergenceTests
{
    /// <summary>A seed's trace: each phase at steps 0 and 4 on two topics, support from 0.5 to 0.5 + m, KL from start 0 then kl.</summary>
    private static WorldSeedRun Seed(long seed, params (string Phase, double M, double Kl)[] phases)
    {
        var dir = Fixtures.TempDir($"matched-divergence-{seed}");
        var run = new RunDirectory(dir);
        var lines = new List<string>();
        foreach (var (phase, m, kl) in phases)
            foreach (var topic in new[] { "a", "b" })
                foreach (var (step, s, k) in new[] { (0, 0.5, 0.0), (4, 0.5 + m, kl) })
                    lines.Add(string.Format(CultureInfo.InvariantCulture,
                        """{{"phase":"{0}","step":{1},"topic":"{2}","support":{3},"neutral":{4},"oppose":0.25,"n":10,"kl_from_start":{5}}}""",
                        phase, step, topic, s, 0.75 - s, k));
        File.WriteAllLines(run.TracePath, lines);
        var drift = DriftTable.From(Trajectory.FromTrace(run.TracePath), new DriftTableOptions { Seed = (int)seed });
        return new WorldSeedRun(seed, run, [], drift, null);
    }

    [Fact, Trait("tier", "fast")]
    public void EachStageOfEachSeedIsOneMarkerAndTheSlopeIsMPerNatThroughTheOrigin()
    {
        var runs = new[]
        {
            Seed(1, ("dpo-support-aligned", 0.10, 1.0), ("simpo-support-aligned", 0.04, 0.5), ("ppo-support-aligned", 0.02, 2.0), ("ppo-kl0-support-aligned", 0.01, 4.0)),
            Seed(2, ("dpo-support-aligned", 0.20, 2.0), ("simpo-support-aligned", 0.06, 1.0), ("ppo-support-aligned", 0.00, 1.0), ("ppo-kl0-support-aligned", 0.03, 3.0)),
        };
        var points = WorldMatchedDivergence.Points(runs, WorldExperiment.SupportAligned, Stance.Support, [0.0]);
        Assert.Equal(8, points.Count);
        Assert.Equal(4, points.Count(p => p.Method == "PPO"));   // its KL-sweep stage counts as PPO
        var dpo = points.Where(p => p.Method == "DPO").ToList();
        Assert.Equal([1.0, 2.0], dpo.Select(p => p.KlFromStart));
        Assert.Equal(0.10, dpo[0].M, 9);
        // M per nat: DPO's markers lie on M = 0.1 · KL exactly
        var slope = MatchedDivergence.Of(dpo.Select(p => p.KlFromStart).ToList(), dpo.Select(p => p.M).ToList())!;
        Assert.Equal(0.1, slope.PerNat, 9);

        // M / (1 − p₀): support starts at 0.5, so the share of the room used is 2 M
        Assert.Equal(0.2, WorldExperimentReport.ShareOfRoom(runs[0].Drift, "dpo-support-aligned", Stance.Support), 9);

        var report = new HtmlReport("t");
        WorldMatchedDivergence.Add(report, runs, [0.0]);
        var path = Path.Combine(Fixtures.TempDir("matched-divergence-report"), "r.html");
        report.Save(path);
        var html = File.ReadAllText(path);
        Assert.Contains("DPO vs SimPO vs PPO at matched divergence", html);
        Assert.Contains("+0.100 [+0.100, +0.100]", html);
    }

    [Fact, Trait("tier", "fast")]
    public void StagesWithoutKlFromStartGiveNoSection()
    {
        var dir = Fixtures.TempDir("matched-divergence-none");
        var run = new RunDirectory(dir);
        File.WriteAllLines(run.TracePath, [
            """{"phase":"dpo-support-aligned","step":0,"topic":"a","support":0.5,"neutral":0.25,"oppose":0.25,"n":10}""",
            """{"phase":"dpo-support-aligned","step":4,"topic":"a","support":0.6,"neutral":0.15,"oppose":0.25,"n":10}"""]);
        var seed = new WorldSeedRun(1, run, [], DriftTable.From(Trajectory.FromTrace(run.TracePath)), null);
        Assert.Empty(WorldMatchedDivergence.Points([seed], WorldExperiment.SupportAligned, Stance.Support, []));
    }
}
