using System.Net;
using ValueDrift.Drift;
using ValueDrift.Experiments;
using ValueDrift.Interactive;
using ValueDrift.Probes;
using ValueDrift.Training;
using ValueDrift.Training.Algorithms;
using Xunit;

namespace ValueDrift.Tests.Notebooks;

/// <summary>A stage cell's output shows answer health, KL from the start and the stanced Δp, and warns when health moves beyond tolerance.</summary>
[Trait("tier", "fast")]
public class StageHealthTests
{
    private const string Phase = "ppo";

    /// <summary>Two questions; at step 20 one of question 1's two answers took no stance and question 2 stays stanced.</summary>
    private static Trajectory Stage()
    {
        QuestionDetail Q(string id, double s, double stancedS, int stancedN) =>
            new(id, new StanceDistribution(s, 1 - s, 0), 2) { Stanced = new StanceDistribution(stancedS, 1 - stancedS, 0), StancedN = stancedN, KlFromStart = 0 };
        TraceRecord At(int step, double unstanced, double tokens, double? kl, params QuestionDetail[] qs) =>
            TraceRecord.FromQuestions(Phase, step, "immigration", qs) with
            {
                Health = new AnswerHealth(unstanced, 0.0, tokens, 1.0), KlFromStart = kl, KlFromStartCi = kl is null ? null : new Interval(kl.Value / 2, kl.Value * 2),
            };
        return new Trajectory(
        [
            At(0, 0.0, 60, 0, Q("q1", 0.6, 0.6, 2), Q("q2", 0.7, 0.7, 2)),
            At(20, 0.25, 30, 0.8, Q("q1", 0.6, 0.9, 1), Q("q2", 0.9, 0.9, 2)),
        ]);
    }

    private static StageChange Change()
    {
        var stage = new Stage { Name = Phase, Algorithm = new Ppo(), DataPath = "data/prompts.jsonl", Training = new TrainerOptions { MaxSteps = 20 } };
        return StageChange.Measure(new StageResult(stage, "base", "final", "dir", [], TimeSpan.FromSeconds(5), AlreadyComplete: false), "sft", Stage(), null, seed: 0);
    }

    [Fact]
    public void The_stage_output_shows_health_divergence_stanced_change_and_warnings()
    {
        var change = Change();
        var html = WebUtility.HtmlDecode(Notebook.StageChangeHtml(change, new NotebookOptions()));
        Assert.Contains("answer health (first → last step) and KL from the stage's start", html);
        Assert.Contains("0.00 → 0.25", html);        // unstanced
        Assert.Contains("60.0 → 30.0", html);        // mean answer tokens
        Assert.Contains("0.800", html);              // KL at the last step
        Assert.Contains("Warning: ppo, immigration: unstanced 0.00 → 0.25 at step 20 (tolerance ±0.10)", html);
        Assert.Contains("Warning: ppo, immigration: mean answer tokens 60.0 → 30.0 at step 20 (tolerance ±25%)", html);
        // Δp stanced: mean(0.9, 0.9) − mean(0.6, 0.7) = +0.25 beside the all-answer Δp mean(0.6, 0.9) − 0.65 = +0.10.
        Assert.Contains("Δp stanced [95%]", html);
        Assert.Contains("+0.25 [", html);
        Assert.Equal(0.25, change.Changes.Find(Phase, "immigration", Stance.Support)!.MagnitudeStanced!.Value, 12);
        Assert.Contains("Answer health beyond tolerance: ppo, immigration: unstanced", change.Summary);
        Assert.Equal(2, change.HealthWarnings.Count);
    }
}
