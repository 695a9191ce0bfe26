using ValueDrift.Cli;
using ValueDrift.Drift;
using ValueDrift.Experiments;
using ValueDrift.Probes;
using ValueDrift.Reporting;
using Xunit;

namespace ValueDrift.Tests.Experiments;

/// <summary>The embedded demo end to end at its quick size: reproducible, resumable, and reporting what the issue asks.</summary>
public class WorldExperimentTests
{
    private static readonly string Cache = Fixtures.TempDir("demo-cache");

    [Fact]
    public void SameSeedGivesTheSameTraceTwiceAndARerunResumesWithoutDuplicates()
    {
        var a = Fixtures.TempDir("demo-a");
        var b = Fixtures.TempDir("demo-b");
        var first = WorldExperiment.Run(WorldExperimentOptions.Quick(a) with { CacheRoot = Cache });
        WorldExperiment.Run(WorldExperimentOptions.Quick(b) with { CacheRoot = Cache });
        Assert.Equal(File.ReadAllText(first.Run.TracePath), File.ReadAllText(Path.Combine(b, "trace.jsonl")));
        Assert.Equal(File.ReadAllText(first.Run.LikelihoodTracePath), File.ReadAllText(Path.Combine(b, "trace-likelihood.jsonl")));

        // every stage traced, from its step 0 to its last step
        var trajectory = Trajectory.FromTrace(first.Run.TracePath);
        var stages = WorldExperiment.Stages(WorldExperimentOptions.Quick(a), _ => "");
        Assert.Equal(["base", .. stages.Select(s => s.Stage.Name)], trajectory.Phases);
        foreach (var (stage, _) in stages)
            foreach (var topic in trajectory.Topics)
            {
                var series = trajectory.Series(stage.Name, topic);
                Assert.Equal(0, series[0].Step);
                Assert.Equal(stage.Training.MaxSteps, series[^1].Step);
            }

        // a second run over the same folder finds every stage complete and adds nothing
        var again = WorldExperiment.Run(WorldExperimentOptions.Quick(a) with { CacheRoot = Cache });
        Assert.All(again.Stages, s => Assert.True(s.AlreadyComplete));
        Assert.Equal(File.ReadAllText(Path.Combine(b, "trace.jsonl")), File.ReadAllText(first.Run.TracePath));
    }

    [Fact]
    public void ReportGivesTheFindingsTheDatasetsAndTheTables()
    {
        var dir = Fixtures.TempDir("demo-report");
        var (code, stdout, stderr) = ValueDrift.Tests.Cli.CliRunner.Run("demo", "--quick", "--out", dir, "--cache", Cache);
        Assert.True(code == 0, stderr);
        Assert.Contains("report:", stdout);
        var html = File.ReadAllText(Path.Combine(dir, "report.html"));
        foreach (var text in new[] { "SFT sets values, early (sft-neutral)", "SFT sets values, early (sft-supportive)", "M_neutral", "M_support", "drift time",
                     "Standard preference data barely moves values", "Value-gap data moves values, differently per algorithm (support-aligned)",
                     "(oppose-aligned)", "pref-standard", "pref-support-aligned", "value gap (TV)", "Drift table" })
            Assert.Contains(text, html);
        foreach (var csv in new[] { "drift.csv", "stances.csv", "drift-likelihood.csv", "findings.csv" })
            Assert.True(new FileInfo(Path.Combine(dir, "tables", csv)).Length > 0, csv);

        // the measured numbers in the findings are the drift table's
        var table = DriftTable.From(Trajectory.FromTrace(Path.Combine(dir, "trace.jsonl")), new DriftTableOptions { Seed = 1 });
        var sft = WorldExperimentReport.Findings(table)[0];
        var m = WorldExperimentReport.MeanMagnitude(table, WorldExperiment.NeutralSft, Stance.Neutral);
        Assert.Contains(m.ToString("+0.00;−0.00;0.00", System.Globalization.CultureInfo.InvariantCulture), sft.Measured);
        double byHand = table.Rows.Where(r => r.Phase == WorldExperiment.NeutralSft && r.Stance == Stance.Neutral).Average(r => r.Magnitude);
        Assert.Equal(byHand, m, 12);
    }

    [Fact]
    public void FindingVerdictsFollowTheMeasuredNumbers()
    {
        DriftRow Row(string phase, string topic, Stance s, double m, double time = 0.1) => new(phase, topic, s, m, time, 0, m, m, 0, 10, 10);
        var rows = new List<DriftRow>();
        foreach (var topic in new[] { "a", "b" })
        {
            rows.Add(Row(WorldExperiment.NeutralSft, topic, Stance.Neutral, 0.4));
            rows.Add(Row(WorldExperiment.SupportiveSft, topic, Stance.Support, 0.05));
            foreach (var (algo, gap) in new[] { ("dpo", 0.5), ("simpo", 0.3), ("ppo", 0.01) })
            {
                rows.Add(Row($"{algo}-standard", topic, Stance.Support, 0.02));
                rows.Add(Row($"{algo}-support-aligned", topic, Stance.Support, gap));
                rows.Add(Row($"{algo}-oppose-aligned", topic, Stance.Oppose, gap / 2 + (algo == "ppo" ? 0.3 : 0)));
            }
        }
        var f = WorldExperimentReport.Findings(new DriftTable(rows));
        Assert.Equal("consistent", f[0].Verdict);
        Assert.Equal("not seen in this run", f[1].Verdict);
        Assert.Equal("consistent", f[2].Verdict);
        Assert.Equal("consistent (DPO > SimPO > PPO)", f[3].Verdict);
        Assert.Equal("different order than the paper", f[4].Verdict);   // ppo 0.305 > dpo 0.25 > simpo 0.15
    }
}
