using ValueDrift.Cli;
using ValueDrift.Drift;
using ValueDrift.Experiments;
using ValueDrift.Probes;
using ValueDrift.Reporting;
using ValueDrift.WorldRuns;
using Xunit;

namespace ValueDrift.Tests.Experiments;

/// <summary>The embedded demo end to end at its quick size: reproducible, resumable, and reporting what the issue asks.</summary>
public class WorldExperimentTests
{
    private static readonly string Cache = Fixtures.SharedTempDir("demo-cache");

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
        // in this process, one seed after another: the interim reports come at known points
        var (code, stdout, stderr) = ValueDrift.Tests.Cli.CliRunner.Run("demo", "--quick", "--seeds", "2", "--workers", "0", "--out", dir, "--cache", Cache);
        Assert.True(code == 0, stderr);
        Assert.Contains("report:", stdout);

        // A first report as soon as the first stage of the first seed is done, rewritten before each later stage, and
        // after the first seed; each says what it rests on. The finished run's report is not interim.
        var lines = stderr.Split('\n');
        int Index(string text) => Array.FindIndex(lines, l => l.Contains(text));
        int first = Index("report (interim: seed 1 of 2, the stages finished so far (sft-neutral); the run continues)");
        Assert.True(first >= 0, stderr);
        Assert.True(first < Index("sft-supportive: sft on"), "the first report comes before the second stage starts");
        int seedDone = Index("report (interim: seeds 1–1 of 2, every stage; 1 still running)");
        Assert.True(seedDone > first && seedDone < Index("seed run 2 of 2"), stderr);
        Assert.Equal(1, lines.Count(l => l.Contains("seeds 1–1 of 2")));
        var html = File.ReadAllText(Path.Combine(dir, "report.html"));
        Assert.DoesNotContain("Interim report", html);
        foreach (var text in new[] { "SFT sets values, early (sft-neutral)", "SFT sets values, early (sft-supportive)", "M_neutral", "M_support", "drift time",
                     "Standard preference data barely moves values", "Value-gap data moves values, differently per algorithm (support-aligned)",
                     "(oppose-aligned)", "pref-standard", "pref-support-aligned", "value gap (TV)", "Drift table",
                     // PPO's optimisation: the stable-range table and the per-step chart, and PPO's own learning rate
                     "optimisation per step (first seed)", "median approxkl",
                     // the value-gap comparison at matched divergence, and on the scale of the room each stance had to move
                     "DPO vs SimPO vs PPO at matched divergence", "M of the chosen stance per nat", "share of the room to move", "rollouts stopped early", "stable range: approxkl", "PPO 3e-4, a rate chosen on the world" })
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
    public void SeedsRunAsWorkersGiveTheSameTracesWithOneOrTwoWorkersAndReportEarly()
    {
        string Run(int workers, out string stderr)
        {
            var dir = Fixtures.TempDir($"demo-workers-{workers}");
            var (code, stdout, err) = ValueDrift.Tests.Cli.CliRunner.Run("demo", "--quick", "--seeds", "2", "--workers", workers.ToString(), "--out", dir, "--cache", Cache);
            Assert.True(code == 0, err);
            Assert.Contains("report:", stdout);
            stderr = err;
            return dir;
        }
        var one = Run(1, out _);
        var two = Run(2, out var log);
        Assert.Contains("seed runs: 2 in 2 worker process(es) × 1 thread(s)", log);
        // every seed's traces byte for byte, whatever the worker count
        foreach (var folder in new[] { "", Path.Combine("seeds", "seed-1") })
            foreach (var trace in new[] { "trace.jsonl", "trace-likelihood.jsonl" })
                Assert.Equal(File.ReadAllBytes(Path.Combine(one, folder, trace)), File.ReadAllBytes(Path.Combine(two, folder, trace)));
        // the seeds are different training runs
        Assert.NotEqual(File.ReadAllBytes(Path.Combine(two, "trace-likelihood.jsonl")), File.ReadAllBytes(Path.Combine(two, "seeds", "seed-1", "trace-likelihood.jsonl")));
        // one progress view: each worker's stage lines shown with its seed, and a first report while the workers run
        Assert.Contains("seed 2 | sft-neutral: done in", log);
        var lines = log.Split('\n');
        int first = Array.FindIndex(lines, l => l.Contains("report (interim: seed 1 of 2, the stages finished so far (sft-neutral"));
        Assert.True(first >= 0 && first < Array.FindIndex(lines, l => l.Contains("seed 1: done in")), log);
        var html = File.ReadAllText(Path.Combine(two, "report.html"));
        Assert.DoesNotContain("Interim report", html);
        Assert.Contains("2 seeds", html);
    }

    [Fact]
    public void FindingVerdictsFollowTheIntervalsAcrossSeeds()
    {
        DriftRow Row(string phase, string topic, Stance s, double m, double time = 0.1) => new(phase, topic, s, m, time, 0, m, m, 0, 10, 10);
        // Two seeds; the second moves a little differently (d), so every interval is mean ± t(0.975, 1) · sd / √2.
        DriftTable Seed(double d)
        {
            var rows = new List<DriftRow>();
            foreach (var topic in new[] { "a", "b" })
            {
                rows.Add(Row(WorldExperiment.NeutralSft, topic, Stance.Neutral, 0.4 + d));
                rows.Add(Row(WorldExperiment.SupportiveSft, topic, Stance.Support, d == 0 ? 0.05 : -0.05));   // straddles 0
                foreach (var (algo, gap) in new[] { ("dpo", 0.5 + 2 * d), ("simpo", 0.3 + d), ("ppo", 0.01 - d) })
                {
                    rows.Add(Row($"{algo}-standard", topic, Stance.Support, 0.02));
                    rows.Add(Row($"{algo}-support-aligned", topic, Stance.Support, gap));
                    rows.Add(Row($"{algo}-oppose-aligned", topic, Stance.Oppose, gap / 2 + (algo == "ppo" ? 0.3 : 0)));
                }
            }
            return new DriftTable(rows);
        }
        var f = WorldExperimentReport.Findings([Seed(0), Seed(0.01)]);
        Assert.Equal("consistent", f[0].Verdict);               // M 0.405 ± 0.064, drift time 0.1 in both seeds
        Assert.Equal("not seen", f[1].Verdict);                 // M ±0.05: the interval contains 0
        Assert.StartsWith("consistent:", f[2].Verdict);         // value-gap minus standard shift > 0 for every algorithm
        Assert.Equal("consistent (DPO > SimPO > PPO, PPO ≈ 0)", f[3].Verdict);
        // oppose-aligned: ppo 0.305 / 0.30 > simpo 0.15 / 0.155 in both seeds
        Assert.Equal("different order than the paper (DPO vs SimPO: consistent, SimPO vs PPO: opposite)", f[4].Verdict);
        Assert.StartsWith("The paper's ordering on support-aligned data, DPO ≫ SimPO > PPO ≈ 0, appears", WorldExperimentReport.PaperOrdering([Seed(0), Seed(0.01)]));
        // below five seeds the sentence says it is a reading, not an ordering claim
        Assert.Contains("With 2 seeds this is a reading, not an ordering claim", WorldExperimentReport.PaperOrdering([Seed(0), Seed(0.01)]));
        Assert.DoesNotContain("not an ordering claim", WorldExperimentReport.PaperOrdering([Seed(0), Seed(0.01), Seed(0.02), Seed(-0.01), Seed(0.005)]));

        // the interval behind finding 1, by hand: values 0.40 and 0.41, sd 0.00707, t(0.975, 1) = 12.706
        var m = WorldExperimentReport.TopicMean([Seed(0), Seed(0.01)], WorldExperiment.NeutralSft, Stance.Neutral);
        Assert.Equal(0.405, m.Mean, 9);
        Assert.Equal(0.405 - 12.7062 * 0.01 / Math.Sqrt(2) / Math.Sqrt(2), m.Interval!.Lower, 3);

        // one seed without per-question intervals: no verdict is claimed
        var one = WorldExperimentReport.Findings([Seed(0)]);
        Assert.Equal("undetermined", one[0].Verdict);
        Assert.StartsWith("undetermined", one[2].Verdict);
    }
}
