using System.Text.RegularExpressions;
using ValueDrift.Drift;
using ValueDrift.Probes;
using Xunit;

namespace ValueDrift.Tests.Notebooks;

/// <summary>
/// Notebook 02 (value gap: DPO vs SimPO vs PPO on the same value-gap data, over seeds) runs headless in the second
/// notebook lane, and what its cells show agrees with the trace its run wrote.
/// </summary>
[Collection(SecondNotebookCollection.Name)]
public class ValueGapNotebookTests(NotebookRuns runs)
{
    private const string Name = "02-value-gap.ipynb";

    [Fact]
    public void Notebook_runs_without_cell_errors() => NotebookExecutionTests.RanWithoutCellErrors(runs.Get(Name));

    [Fact]
    public void Each_stage_cell_shows_the_chart_of_stance_change() =>
        StageNotebookTests.StageCellsShowTheirChange(runs.Get(Name), "sft-supportive,dpo-support-aligned,simpo-support-aligned,ppo-support-aligned");

    [Fact]
    public void Value_gap_notebook_charts_the_gaps_and_compares_the_algorithms()
    {
        var run = runs.Get(Name);
        var gaps = NotebookExecutionTests.Cell(run, "ValueGapBars")!;
        Assert.Contains("Value gap of the preference data", gaps.Text);
        // One panel per preference set, each with a tick per topic giving the set's TV there. The world's large-gap set:
        // chosen answers support, rejected oppose, so TV is close to 1; the standard set's is ≈ 0.
        var panels = Regex.Matches(gaps.Html, @"\\u003Cb\\u003E(pref-[a-z-]+)\\u003C/b\\u003E").Select(m => m.Groups[1].Value).ToList();
        var immigration = Regex.Matches(gaps.Html, @"""x"":\[""immigration\\u003Cbr\\u003ETV (\d\.\d\d)""").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(3 * panels.Count, immigration.Count);   // support, neutral and oppose bars in every panel
        Assert.Matches(@"^0\.9\d$", immigration[3 * panels.IndexOf("pref-support-aligned")]);
        Assert.Matches(@"^0\.0\d$", immigration[3 * panels.IndexOf("pref-standard")]);
        var compare = NotebookExecutionTests.Cell(run, "CompareChanges")!;
        Assert.Matches(new Regex(@"Change of (\\u0027|')support(\\u0027|') by stage \(generation probe\)"), compare.Html);
        foreach (var phase in new[] { "dpo-support-aligned", "simpo-support-aligned", "ppo-support-aligned" })
            Assert.Contains($"\"name\":\"{phase}\"", compare.Html);

        // "What you should see" after each stage: start → end and M of the generation probe, from the trace.
        var trace = TraceReader.Read(Path.Combine(StageNotebookTests.RunFolder("02-value-gap"), "trace.jsonl")).Records;
        foreach (var (variable, phase) in new[] { ("sft", "sft-supportive"), ("dpo", "dpo-support-aligned"), ("simpo", "simpo-support-aligned"), ("ppo", "ppo-support-aligned") })
        {
            var printed = StageNotebookTests.Printed(run, NotebookExecutionTests.Cell(run, $"{variable}.Say(Stance.Support);")!);
            foreach (var topic in trace.Where(r => r.Phase == phase).Select(r => r.Topic).Distinct())
            {
                var series = trace.Where(r => r.Phase == phase && r.Topic == topic).OrderBy(r => r.Step).ToList();
                var (start, end) = (series[0].Value.Support, series[^1].Value.Support);
                Assert.Contains(FormattableString.Invariant($"{phase}, {topic}: p(support) {start:0.00} → {end:0.00}, M = {StageNotebookTests.Signed(end - start)} (95% CI "), printed);
            }
        }
        // The verdicts of "what you should see" come from the run, and none contradicts the text.
        foreach (var variable in new[] { "sft", "dpo" })
        {
            var verdict = StageNotebookTests.Printed(run, NotebookExecutionTests.Cell(run, $"{variable}.Expect(")!);
            Assert.Contains("Expected: support rises. This run, by each topic's 95% interval: ", verdict);
            Assert.DoesNotContain("contradicts the expectation", verdict);
        }
        // The reward-model audit cell prints the PPO stage folder's reward-audit.json: every stance's mean score.
        var audit = ValueDrift.Experiments.RewardAudit.Read(Path.Combine(StageNotebookTests.RunFolder("02-value-gap"), "stages", "ppo-support-aligned"))!;
        var audited = StageNotebookTests.Printed(run, NotebookExecutionTests.Cell(run, "RewardAudit.Read(ppo.Result.Directory)")!);
        foreach (var s in StanceLabels.All)
            Assert.Contains($"{s.Label()}: mean reward {ValueDrift.Reporting.RewardAuditTable.Cell(audit.ByStance[s])}", audited);
        Assert.Equal(audit.Warnings.Count, Regex.Matches(audited, "warning: ").Count);
        // The gaps are printed from the sets, and the seeds cell gives both probes for every method.
        Assert.Contains("pref-support-aligned: immigration: TV 0.9", StageNotebookTests.Printed(run, NotebookExecutionTests.Cell(run, "foreach (var g in session.ValueGaps())")!));
        var seeds = StageNotebookTests.Printed(run, NotebookExecutionTests.Cell(run, "session.RunSeeds(")!);
        foreach (var phase in new[] { "dpo-support-aligned", "simpo-support-aligned", "ppo-support-aligned" })
            Assert.Matches(new Regex($@"{phase}: M_support over 3 seeds = .+ \(generation probe\); .+ \(likelihood probe\)"), seeds);
    }
}
