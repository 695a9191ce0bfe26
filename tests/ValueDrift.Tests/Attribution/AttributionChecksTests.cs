using ValueDrift.Errors;
using ValueDrift.Interactive;
using Xunit;

namespace ValueDrift.Tests.Attribution;

/// <summary>
/// <see cref="AttributionChecks"/> reads the result files <c>valuedrift attribute --ablate</c> writes, shows every arm
/// with its interval, and names the file and field of a result it cannot read.
/// </summary>
[Trait("tier", "fast")]
public class AttributionChecksTests
{
    private const string Result = """
        {"stage": "sft-neutral", "topic": "immigration", "stance": "neutral", "probe_split": "training",
         "ablation": {"fraction": 0.1, "removed": 60, "seeds": 3,
           "full_magnitude": {"mean": 0.02, "interval": [0.014, 0.026], "per_seed": [0.022, 0.017, 0.020]},
           "top_removed_magnitude": {"mean": 0.01, "interval": [-0.004, 0.024], "per_seed": [0.006, 0.016, 0.009]},
           "random_removed_magnitude": {"mean": 0.018, "interval": [0.009, 0.028], "per_seed": [0.019, 0.022, 0.014]},
           "top_cut": 0.0094, "random_cut": 0.0012, "top_cuts_twice_random": true, "full_drift_excludes_zero": true},
         "precision_at_k": {"k": 20, "stance": "neutral", "precision": 1.0, "base_rate": 0.49}}
        """;

    [Fact]
    public void Reads_each_arm_with_its_interval_and_shows_the_verdict()
    {
        var dir = Fixtures.TempDir("attr-checks");
        File.WriteAllText(Path.Combine(dir, "sft-neutral.json"), Result);
        File.WriteAllText(Path.Combine(dir, "no-ablation.json"), """{"stage": "x", "topic": "t", "stance": "support"}""");
        var check = Assert.Single(AttributionChecks.Read(dir).Checks);
        Assert.Equal(("sft-neutral", "immigration", "neutral", "training", 3, 60), (check.Stage, check.Topic, check.Stance, check.ProbeSplit, check.Seeds, check.Removed));
        Assert.Equal((0.01, -0.004, 0.024), check.TopRemoved);
        Assert.Equal("yes", check.Verdict);
        Assert.Equal("yes, but the full drift's interval includes 0", (check with { FullDriftExcludesZero = false }).Verdict);
        var html = AttributionChecks.Read(dir).ToHtml(new NotebookOptions());
        Assert.Contains("<td style=\"border:1px solid #ccc;padding:2px 6px;text-align:left\">+0.010 [−0.004, +0.024]</td>", html);
        Assert.Contains("1.00 (0.49) at K = 20", html);
        Assert.Contains("\"arrayminus\":[", html);   // the intervals are drawn
    }

    [Fact]
    public void A_result_without_an_interval_names_the_file_and_field()
    {
        var dir = Fixtures.TempDir("attr-checks-bad");
        File.WriteAllText(Path.Combine(dir, "one-seed.json"), Result.Replace("\"interval\": [0.014, 0.026], ", ""));
        var e = Assert.Throws<DataFormatException>(() => AttributionChecks.Read(dir));
        Assert.Contains("one-seed.json", e.Message);
        Assert.Contains("ablation.full_magnitude.interval", e.Message);
        File.WriteAllText(Path.Combine(dir, "one-seed.json"), Result.Replace("[0.014, 0.026]", "[\"low\", 0.026]"));
        Assert.Contains("ablation.full_magnitude.interval", Assert.Throws<DataFormatException>(() => AttributionChecks.Read(dir)).Message);
        Assert.Throws<ConfigException>(() => AttributionChecks.Read(Path.Combine(dir, "missing")));
    }

    /// <summary>The results notebook 05 shows: one per SFT and value-gap stage, three seeds each, their words named.</summary>
    [Fact]
    public void The_shipped_results_cover_every_sft_and_value_gap_stage()
    {
        var checks = AttributionChecks.Read(Path.Combine(Fixtures.RepoRoot, "notebooks", "data", "attribution")).Checks;
        Assert.Equal(
            ["dpo-oppose-aligned", "dpo-support-aligned", "sft-neutral", "sft-supportive", "simpo-oppose-aligned", "simpo-support-aligned"],
            checks.Select(c => c.Stage).Distinct().Order(StringComparer.Ordinal));
        Assert.All(checks, c => Assert.Equal(3, c.Seeds));
        Assert.Contains(checks, c => c.Stage == "sft-neutral" && c.ProbeSplit == "held-out");
    }
}
