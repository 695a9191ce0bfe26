using ValueDrift.Drift;
using ValueDrift.Experiments;
using ValueDrift.World;
using ValueDrift.WorldRuns;
using Xunit;

namespace ValueDrift.Tests.Experiments;

/// <summary>A finished run's SFT stages measured on both splits: the held-out split repeats the run's own trace.</summary>
public class WorldSplitComparisonTests
{
    [Fact]
    public void HeldOutSplitRepeatsTheRunsTraceAndTheTrainingSplitIsMeasuredBeside()
    {
        var dir = Fixtures.TempDir("splits-run");
        var o = WorldExperimentOptions.Quick(dir) with { CacheRoot = Fixtures.TempDir("splits-cache") };
        WorldExperiment.Run(o);
        var findings = WorldSplitComparison.Measure(o, WorldSplitComparison.SftStages);

        var topics = o.World.Topics!.Count;
        foreach (var split in Enum.GetValues<WorldProbeSplit>())
            foreach (var probe in new[] { "generation", "likelihood" })
                Assert.Equal(2 * topics * 3, findings.Count(f => f.Split == split && f.Probe == probe));

        // The run's own trace, start → end of each SFT stage, is what the held-out split measures again.
        var trace = Trajectory.FromTrace(Path.Combine(dir, "trace.jsonl"));
        foreach (var f in findings.Where(f => f.Split == WorldProbeSplit.HeldOut && f.Probe == "generation"))
        {
            var series = trace.Series(f.Stage, f.Row.Topic);
            Assert.Equal(series[^1].Step, f.Row.EndStep);
            Assert.Equal(series[0].Value[f.Row.Stance], f.Row.Start, 9);
            Assert.Equal(series[^1].Value[f.Row.Stance], f.Row.End, 9);
        }
        Assert.All(findings, f => Assert.NotNull(f.Row.MagnitudeCi?.Interval));

        var (code, stdout, stderr) = ValueDrift.Tests.Cli.CliRunner.Run("splits", "--quick", "--out", dir, "--cache", o.CacheRoot!, "--stages", "sft-neutral");
        Assert.True(code == 0, stderr);
        Assert.Contains("held-out M", stdout);
        Assert.Contains("sft-neutral", stdout);
        Assert.DoesNotContain("sft-supportive", stdout);
    }

    [Fact]
    public void AStageTheRunDidNotTrainIsNamed()
    {
        var dir = Fixtures.TempDir("splits-empty");
        var o = WorldExperimentOptions.Quick(dir) with { CacheRoot = Fixtures.TempDir("splits-cache-empty") };
        var e = Assert.Throws<Errors.ConfigException>(() => WorldSplitComparison.Measure(o, ["sft-neutral"]));
        Assert.Contains("sft-neutral", e.Message);
    }
}
