using ValueDrift.Drift;
using ValueDrift.Experiments;
using ValueDrift.Interactive;
using ValueDrift.Probes;
using ValueDrift.Training;
using ValueDrift.Training.Algorithms;
using Xunit;

namespace ValueDrift.Tests.Notebooks;

/// <summary>
/// A stage's summary leads with the generation probe: magnitude, 95% interval over questions and drift time where the
/// interval excludes 0, "within noise" where it contains 0. Hand-made trajectories with known per-question values.
/// </summary>
[Trait("tier", "fast")]
public class StageSummaryTests
{
    private const string Phase = "sft-supportive";

    /// <summary>A record whose questions have the given support values (the rest neutral, oppose 0).</summary>
    private static TraceRecord Record(string topic, int step, params double[] support) =>
        TraceRecord.FromQuestions(Phase, step, topic, support.Select((s, i) => new QuestionDetail($"{topic}-q{i}", new StanceDistribution(s, 1 - s, 0), 1)).ToList());

    /// <summary>
    /// Immigration: every question's support goes 0.2 → 0.8 at step 10 and stays (moved, drift time 10/20 = 0.50).
    /// Abortion: two questions go 0.5 → 0.9 and two 0.5 → 0.1 (mean change 0; interval [−0.4, +0.4]).
    /// </summary>
    private static Trajectory Stage() => new(
    [
        Record("immigration", 0, 0.2, 0.2, 0.2, 0.2), Record("immigration", 10, 0.8, 0.8, 0.8, 0.8), Record("immigration", 20, 0.8, 0.8, 0.8, 0.8),
        Record("abortion", 0, 0.5, 0.5, 0.5, 0.5), Record("abortion", 10, 0.7, 0.7, 0.3, 0.3), Record("abortion", 20, 0.9, 0.9, 0.1, 0.1),
    ]);

    private static StageChange Change(Trajectory generation, Trajectory? likelihood = null)
    {
        var stage = new Stage
        {
            Name = Phase, Algorithm = new Sft(), DataPath = "data/sft-supportive.jsonl",
            Training = new TrainerOptions { MaxSteps = 20 },
        };
        var result = new StageResult(stage, "base", "final", "dir", [], TimeSpan.FromSeconds(12), AlreadyComplete: false);
        return StageChange.Measure(result, "base", generation, likelihood, seed: 0);
    }

    [Fact]
    public void A_change_whose_interval_excludes_zero_reads_as_magnitude_interval_and_drift_time()
    {
        var change = Change(Stage());
        var support = change.Readings.Single(r => r.Row.Topic == "immigration" && r.Row.Stance == Stance.Support);
        Assert.True(support.Moved);
        Assert.False(support.WithinNoise);
        Assert.Equal("immigration support +0.60 [+0.60, +0.60], drift time 0.50", support.ToString());
        var neutral = change.Readings.Single(r => r.Row.Topic == "immigration" && r.Row.Stance == Stance.Neutral);
        Assert.Equal("immigration neutral −0.60 [−0.60, −0.60], drift time 0.50", neutral.ToString());
    }

    [Fact]
    public void A_change_whose_interval_contains_zero_reads_within_noise_without_a_drift_time()
    {
        var change = Change(Stage());
        var abortion = change.Readings.Single(r => r.Row.Topic == "abortion" && r.Row.Stance == Stance.Support);
        Assert.True(abortion.WithinNoise);
        Assert.False(abortion.Moved);
        Assert.Equal("abortion support 0.00 [−0.40, +0.40], within noise", abortion.ToString());
        // A stance that never moved: the interval [0, 0] contains 0 too.
        Assert.True(change.Readings.Single(r => r.Row.Topic == "immigration" && r.Row.Stance == Stance.Oppose).WithinNoise);
    }

    [Fact]
    public void The_summary_leads_with_the_generation_probe_then_the_likelihood_probe()
    {
        var likelihood = new Trajectory(
        [
            new TraceRecord(Phase, 0, "immigration", new StanceDistribution(0.3, 0.4, 0.3), 4),
            new TraceRecord(Phase, 20, "immigration", new StanceDistribution(0.4, 0.35, 0.25), 4),
        ]);
        var summary = Change(Stage(), likelihood).Summary;
        Assert.StartsWith("sft-supportive: SFT on sft-supportive.jsonl, 20 steps from base, 12 s. Generation probe: moved ", summary);
        Assert.Contains("moved immigration support +0.60 [+0.60, +0.60], drift time 0.50; immigration neutral −0.60 [−0.60, −0.60], drift time 0.50;", summary);
        Assert.Contains("within noise immigration oppose, abortion support, abortion neutral, abortion oppose", summary);
        Assert.Contains("; likelihood probe: largest change immigration support +0.10 (0.30 → 0.40)", summary);
        Assert.True(summary.IndexOf("Generation probe", StringComparison.Ordinal) < summary.IndexOf("likelihood probe", StringComparison.Ordinal));
    }

    [Fact]
    public void Nothing_beyond_the_noise_is_said_plainly_and_a_row_without_an_interval_says_why()
    {
        var flat = Change(new Trajectory([Record("abortion", 0, 0.5, 0.5), Record("abortion", 20, 0.9, 0.1)]));
        Assert.Contains("Generation probe: nothing moved beyond its 95% interval; within noise abortion support", flat.Summary);
        var single = Change(new Trajectory([Record("abortion", 0, 0.5), Record("abortion", 20, 0.9)]));
        Assert.StartsWith("abortion support +0.40 (no interval: fewer than two questions", single.Readings[0].ToString());
    }

    [Fact]
    public void Each_topic_gets_a_sentence_with_start_end_interval_drift_time_and_the_likelihood_change()
    {
        var likelihood = new Trajectory(
        [
            new TraceRecord(Phase, 0, "immigration", new StanceDistribution(0.3, 0.4, 0.3), 4),
            new TraceRecord(Phase, 20, "immigration", new StanceDistribution(0.4, 0.35, 0.25), 4),
        ]);
        var sentences = Change(Stage(), likelihood).Sentences(Stance.Support);
        Assert.Equal(
        [
            "sft-supportive, immigration: p(support) 0.20 → 0.80, M = +0.60 (95% CI [+0.60, +0.60]; drift time 0.50); likelihood probe M = +0.10.",
            "sft-supportive, abortion: p(support) 0.50 → 0.50, M = 0.00 (95% CI [−0.40, +0.40]; within noise: the interval contains 0).",
        ], sentences);
    }

    [Fact]
    public void The_stage_table_shows_intervals_drift_times_and_within_noise()
    {
        var html = HtmlTables.StageReadings(Change(Stage()));
        var rows = System.Text.RegularExpressions.Regex.Matches(html, "<tr>(.*?)</tr>").Select(m => string.Join(" | ",
            System.Text.RegularExpressions.Regex.Matches(m.Groups[1].Value, "<t[dh][^>]*>(.*?)</t[dh]>").Select(c => System.Net.WebUtility.HtmlDecode(c.Groups[1].Value)))).ToList();
        Assert.Equal("topic | stance | p: start → end | Δp | 95% interval | drift time", rows[0]);
        Assert.Contains("immigration | support | 0.20 → 0.80 | +0.60 | [+0.60, +0.60] | 0.50", rows);
        Assert.Contains("abortion | support | 0.50 → 0.50 | 0.00 | [−0.40, +0.40] | within noise", rows);
        Assert.Contains("intervals over 4 questions per topic", html);
    }

    [Fact]
    public void A_PPO_stage_outside_its_stable_range_says_so_and_its_cell_charts_its_optimisation()
    {
        IReadOnlyDictionary<string, double> Step(double kl, double clip) => new Dictionary<string, double>
        {
            ["policy/approxkl_avg"] = kl, ["policy/clipfrac_avg"] = clip, ["policy/entropy_avg"] = 1.2, ["objective/kl"] = 0.5,
            ["objective/scores"] = 1.7, ["response_length"] = 40, ["val/num_eos_tokens"] = 24, ["episode"] = 32, ["policy/updates"] = 4, ["policy/early_stopped"] = 0,
        };
        StageChange Ppo(params (double Kl, double Clip)[] steps)
        {
            var stage = new Stage { Name = "ppo-standard", Algorithm = new Ppo(), DataPath = "data/pref-standard.jsonl", Training = new TrainerOptions { MaxSteps = steps.Length } };
            var metrics = steps.Select((s, i) => (i + 1, Step(s.Kl, s.Clip) is var m && i > 0 ? new Dictionary<string, double>(m) { ["episode"] = 32.0 * (i + 1) } : m)).ToList();
            var result = new StageResult(stage, "sft", "final", "dir", metrics.Select(x => (x.Item1, (IReadOnlyDictionary<string, double>)x.Item2)).ToList(), TimeSpan.FromSeconds(30), AlreadyComplete: false);
            return StageChange.Measure(result, "sft-supportive", new Trajectory([]), null, seed: 0);
        }
        var unstable = Ppo((0.165, 0.3), (0.267, 0.4), (0.2, 0.35));
        Assert.Contains("PPO optimisation: median approxkl 0.200", unstable.Summary);
        Assert.Contains("OUTSIDE the stable range", unstable.Summary);
        var stable = Ppo((0.008, 0.05), (0.012, 0.08), (0.01, 0.06));
        Assert.Contains("within the stable range", stable.Summary);
        Assert.DoesNotContain("PPO optimisation", Change(Stage()).Summary);   // not a PPO stage

        var html = Notebook.StageChangeHtml(unstable, new NotebookOptions());
        Assert.Contains("optimisation per step", html);
        Assert.Contains("stable range: approxkl", html);
        var figure = ValueDrift.Reporting.PpoCharts.StepMetrics(ValueDrift.Reporting.PpoCharts.PpoStages([unstable.Result]));
        var stopRate = (IEnumerable<double>)figure.Traces.Cast<XPlot.Plotly.Scatter>().Single(t => (string)t.yaxis == "y7").y;
        Assert.All(stopRate, r => Assert.Equal(0.75, r, 12));                 // 24 of 32 prompts per step ended
    }
}
