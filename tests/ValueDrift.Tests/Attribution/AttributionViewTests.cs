using ValueDrift.Attribution;
using ValueDrift.Drift;
using ValueDrift.Experiments;
using ValueDrift.Interactive;
using ValueDrift.Tests.Drift;
using ValueDrift.Training;
using ValueDrift.Training.Algorithms;
using Xunit;

namespace ValueDrift.Tests.Attribution;

/// <summary>The notebook view of an attribution: rows in score order with labels, the summary lines, and the HTML (chart beside the table).</summary>
[Trait("tier", "fast")]
public class AttributionViewTests
{
    private static AttributionResult Result() => new("sft", "sft", "immigration", "neutral", AttributionResult.UnitMethodName,
        "final norm + lm_head", "none", [new CheckpointTerm(0, 1e-3, -0.2, false), new CheckpointTerm(5, 8e-4, -0.1, false)],
        Scores: [0.1, -0.3, 0.7, 0.2], Texts: ["a <b>", "b", "It depends on the details.", "d"], TimeSpan.FromSeconds(3));

    private static StageChange Change()
    {
        var trajectory = new Trajectory(TestTrajectories.TwoPhases().Records().Where(r => r.Phase == "sft"));
        var stage = new Stage { Name = "sft", Algorithm = new Sft(), DataPath = "data.jsonl", Training = new TrainerOptions { MaxSteps = 40 } };
        var result = new StageResult(stage, "base", "final", "dir", [], TimeSpan.FromSeconds(1), AlreadyComplete: false);
        return new StageChange(result, "base", trajectory, DriftTable.From(trajectory), LikelihoodTrajectory: null, LikelihoodChanges: null);
    }

    private static readonly IReadOnlyList<ExampleLabel> Labels =
        [new("immigration", "support"), new(null, null), new("immigration", "neutral"), new("abortion", "neutral")];

    [Fact]
    public void Rows_follow_the_score_order_with_each_examples_labels_and_text()
    {
        var rows = AttributionView.Rows(Result(), 3, Labels);
        Assert.Equal([2, 3, 0], rows.Select(r => r.Index));
        Assert.Equal([1, 2, 3], rows.Select(r => r.Rank));
        Assert.Equal(0.7, rows[0].Score);
        Assert.Equal("neutral", rows[0].StanceLabel);
        Assert.Equal("It depends on the details.", rows[0].Text);
        Assert.Null(AttributionView.Rows(Result(), 2, null)[0].StanceLabel);
    }

    [Fact]
    public void Html_puts_the_stance_chart_beside_the_top_examples_with_their_text_escaped()
    {
        var result = Result();
        var top = result.Top(2);
        var view = new AttributionView(Change(), result, AttributionView.Rows(result, 2, Labels),
            TopKPrecision.Of(top, Labels.Select(l => l.Stance).ToList(), "neutral"), TopKPrecision.Of(top, Labels, "immigration", "neutral"), Ablation: null);
        var html = view.ToHtml(new NotebookOptions());
        Assert.Contains("display:flex", html);
        Assert.Contains("plotly", html, StringComparison.OrdinalIgnoreCase);           // the stage's chart for the topic
        Assert.Contains("It depends on the details.", html);
        Assert.DoesNotContain("a <b>", html);                                         // third by score: not in the top 2
        Assert.Contains("2 of the top 2 are 'neutral' examples", view.Summary);
        Assert.Null(view.AblationSummary);

        var escaped = view with { Top = AttributionView.Rows(result, 4, Labels) };
        Assert.Contains("a &lt;b&gt;", escaped.ToHtml(new NotebookOptions()));
    }

    [Fact]
    public void The_ablation_line_says_when_the_full_drift_is_within_noise()
    {
        var result = Result();
        SeedEstimate E(params double[] v) => SeedEstimate.Across(v);
        var noisy = new AblationResult(0.1, 1, 4, 3, E(0.01, -0.02, 0.015), E(0.0, 0.001, -0.001), E(0.02, 0.01, 0.0));
        var view = new AttributionView(Change(), result, AttributionView.Rows(result, 2, null), null, null, noisy);
        Assert.Contains("not told apart from zero", view.AblationSummary);
        var clear = noisy with { FullMagnitude = E(0.10, 0.11, 0.12), TopRemovedMagnitude = E(0.05, 0.05, 0.06), RandomRemovedMagnitude = E(0.10, 0.10, 0.11) };
        var shown = (view with { Ablation = clear }).AblationSummary!;
        // Top cut − random cut per seed: |M_random| − |M_top| = 0.05, 0.05, 0.05: an interval of zero width above 0.
        Assert.Contains("the interval of top cut − random cut across seeds, +0.050 [+0.050, +0.050], lies above 0", shown);
        Assert.DoesNotContain("not told apart", shown);
    }
}
