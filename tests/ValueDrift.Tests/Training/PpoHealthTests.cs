using ValueDrift.Errors;
using ValueDrift.Training.Ppo;
using Xunit;

namespace ValueDrift.Tests.Training;

/// <summary>A PPO stage's stable-range verdict from its per-step metrics, on constructed histories.</summary>
[Trait("tier", "fast")]
public class PpoHealthTests
{
    private static List<(int, IReadOnlyDictionary<string, double>)> History(params (double Kl, double Clip, double Updates, double Stopped)[] steps) =>
        steps.Select((s, i) => (i + 1, (IReadOnlyDictionary<string, double>)new Dictionary<string, double>
        {
            [PpoHealth.ApproxKlKey] = s.Kl, [PpoHealth.ClipFractionKey] = s.Clip,
            [PpoStep.UpdatesMetric] = s.Updates, [PpoStep.EarlyStoppedMetric] = s.Stopped, ["loss"] = 0.1,
        })).ToList();

    [Fact]
    public void A_stage_whose_median_approxkl_passes_the_range_is_flagged_with_its_steps()
    {
        // The world's PPO at 3e-4 without early stopping: approxkl 0.12–0.27 per update.
        var h = PpoHealth.From(History((0.165, 0.31, 4, 0), (0.267, 0.40, 4, 0), (0.01, 0.05, 4, 0), (0.12, 0.35, 4, 0)))!;
        Assert.False(h.Stable);
        Assert.Equal(0.1425, h.MedianApproxKl, 12);   // median of 4: the mean of the middle two
        Assert.Equal(0.267, h.MaxApproxKl);
        Assert.Equal(0.33, h.MedianClipFraction, 12);
        Assert.Equal([1, 2, 4], h.StepsAboveRange);
        Assert.Contains("OUTSIDE the stable range", h.Sentence);
        Assert.Contains("approxkl above 0.05 at steps 1, 2, 4 of 4", h.Sentence);
    }

    [Fact]
    public void A_stage_within_the_range_says_so_and_counts_early_stops()
    {
        var h = PpoHealth.From(History((0.004, 0.02, 4, 0), (0.012, 0.06, 2, 1), (0.06, 0.15, 1, 1)))!;
        Assert.True(h.Stable);
        Assert.Equal(0.012, h.MedianApproxKl);
        Assert.Equal(7.0 / 3, h.MeanUpdates, 12);
        Assert.Equal(2, h.EarlyStopped);
        Assert.Contains("within the stable range", h.Sentence);
        Assert.Contains("2 of 3 rollouts stopped early", h.Sentence);
        Assert.Contains("though approxkl passed 0.05 at step 3", h.Sentence);
        // A clip fraction past 0.2 alone also leaves the range.
        Assert.False(PpoHealth.From(History((0.01, 0.25, 4, 0), (0.01, 0.3, 4, 0)))!.Stable);
    }

    [Fact]
    public void Other_algorithms_have_no_health_and_metrics_files_are_read_with_typed_errors()
    {
        Assert.Null(PpoHealth.From([(1, new Dictionary<string, double> { ["loss"] = 0.3 })]));
        var dir = Fixtures.TempDir("ppo-health");
        File.WriteAllText(Path.Combine(dir, "metrics.jsonl"),
            "{\"step\": 1, \"policy/approxkl_avg\": 0.2, \"policy/clipfrac_avg\": 0.3, \"loss\": \"NaN\"}\n{\"step\": 2, \"policy/approxkl_avg\": 0.3, \"policy/clipfrac_avg\": 0.3}\n");
        var h = PpoHealth.FromStageDirectory(dir)!;
        Assert.Equal(2, h.Steps);
        Assert.Equal(0.25, h.MedianApproxKl, 12);
        Assert.True(double.IsNaN(h.MeanUpdates));                                  // a run from before early stopping
        Assert.DoesNotContain("updates per rollout", h.Sentence);
        File.AppendAllText(Path.Combine(dir, "metrics.jsonl"), "{\"step\": 3, \"policy/approxkl_avg\": [1]}\n");
        var e = Assert.Throws<DataFormatException>(() => PpoHealth.FromStageDirectory(dir));
        Assert.Equal((3L, "policy/approxkl_avg"), (e.Row, e.Field));
        Assert.Null(PpoHealth.FromStageDirectory(Fixtures.TempDir("ppo-health-empty")));
    }
}
