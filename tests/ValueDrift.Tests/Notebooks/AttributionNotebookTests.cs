using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Xunit;

namespace ValueDrift.Tests.Notebooks;

/// <summary>
/// Notebook 05 (drift attribution) runs headless, and its outputs are what the run folder holds: the listed examples
/// are rows of the stage's data with their own text, the chart sits beside them, and the ablation retrained the
/// stage without 10% of the examples under both arms.
/// </summary>
[Collection(SecondNotebookCollection.Name)]
public class AttributionNotebookTests(NotebookRuns runs)
{
    private const string Name = "05-attribution.ipynb";
    private static string RunFolder => Path.Combine(ExecutedNotebook.Folder, "runs", "05-attribution");

    private static ExecutedCell CellWith(ExecutedNotebook run, string source) =>
        run.Cells.Single(c => c.Source.Contains(source, StringComparison.Ordinal));

    [Fact]
    public void Notebook_runs_without_cell_errors() => NotebookExecutionTests.RanWithoutCellErrors(runs.Get(Name));

    [Fact]
    public void Attribution_cells_list_the_stages_own_examples_beside_its_drift_chart()
    {
        var run = runs.Get(Name);
        Assert.Empty(run.Failures());

        var stage = CellWith(run, "session.RunForAttribution(\"sft-neutral\")");
        Assert.Contains("Stance change in sft-neutral (likelihood probe)", stage.Text);
        // Checkpoints every quarter of the 20 steps, which attribution read.
        foreach (var step in new[] { 5, 10, 15 })
            Assert.True(Directory.Exists(Path.Combine(RunFolder, "stages", "sft-neutral", "checkpoints", $"step-{step}")), $"no checkpoint at step {step}");

        var neutral = CellWith(run, "session.Attribute(sft, \"immigration\", \"neutral\"");
        Assert.Contains("the 10 of 600 examples that pushed immigration hardest toward neutral", neutral.Text);
        Assert.Contains("checkpoints at steps 0, 5, 10, 15", neutral.Text);
        Assert.Matches(new Regex(@"\d+ of the top 10 are 'neutral' examples \(precision \d\.\d\d, base rate \d\.\d\d\)"), neutral.Text);
        Assert.Single(Regex.Matches(neutral.Html, "Plotly.newPlot"));   // the stage's stance chart for the topic …
        Assert.Contains("display:flex", neutral.Html);                           // … beside the table
        Assert.Contains("Top 10 examples toward neutral on immigration", neutral.Html);

        // Every listed example is the row of the stage's data its index says, with that row's answer as text.
        var rows = File.ReadLines(Path.Combine(RunFolder, "data", "sft-neutral.jsonl")).Where(l => l.Length > 0)
            .Select(l => (string)JsonNode.Parse(l)!["messages"]!.AsArray()[^1]!["content"]!).ToList();
        Assert.Equal(600, rows.Count);
        var listed = Regex.Matches(neutral.Html, @"<td[^>]*>#(\d+)</td>.*?<td[^>]*>[^<]*</td><td[^>]*>[^<]*</td><td[^>]*>[^<]*</td><td[^>]*>([^<]*)</td></tr>");
        Assert.Equal(10, listed.Count);
        foreach (Match m in listed)
            Assert.Equal(rows[int.Parse(m.Groups[1].Value)].Trim(), System.Net.WebUtility.HtmlDecode(m.Groups[2].Value));

        // A second stance on the same stage reads the example gradients from the cache, and shows as a frame.
        var support = CellWith(run, "session.Attribute(sft, \"immigration\", \"support\"");
        Assert.Contains("Text", support.Html);
        Assert.DoesNotContain("dni-treeview", support.Html);
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(RunFolder, "stages", "sft-neutral", "attribution-cache")));
    }

    [Fact]
    public void Ablation_cell_reports_both_arms_over_the_seeds_it_retrained()
    {
        var run = runs.Get(Name);
        Assert.Empty(run.Failures());
        var ablation = CellWith(run, "session.Ablate(");
        Assert.Matches(new Regex(@"Ablation \(60 of 600 examples removed, 2 seeds.*full [+-]?\d\.\d{3} \[[+-]?\d\.\d{3}, [+-]?\d\.\d{3}\], without the top [+-]?\d\.\d{3} \[.*without random [+-]?\d\.\d{3} \["), ablation.Text);

        var folder = Path.Combine(RunFolder, "attribution", "sft-neutral");
        foreach (var arm in new[] { "ablate-top-0.1", "ablate-random-0.1" })
            foreach (var seed in new[] { 1, 2 })
            {
                var data = Path.Combine(folder, "data", $"sft-neutral.{arm}.s{seed}.jsonl");
                Assert.Equal(540, File.ReadLines(data).Count(l => l.Length > 0));
                Assert.True(Directory.Exists(Path.Combine(folder, "stages", $"sft-neutral.{arm}.s{seed}", "checkpoints", "step-20")), $"{arm} seed {seed} did not finish");
            }
        Assert.True(Directory.Exists(Path.Combine(folder, "stages", "sft-neutral.full.s2", "checkpoints", "step-20")));
        Assert.Contains("likelihood probe in training words", ablation.Text);

        // The last section shows the shipped results of every SFT and value-gap stage: the chart, then a row per file.
        var all = CellWith(run, "AttributionChecks.Read(\"data/attribution\")");
        Assert.Single(Regex.Matches(all.Html, "Plotly.newPlot"));
        var shipped = Directory.GetFiles(Path.Combine(ExecutedNotebook.Folder, "data", "attribution"), "*.json");
        Assert.Equal(shipped.Length, Regex.Matches(all.Html, "<tr><td").Count);
        foreach (var stage in new[] { "sft-neutral", "sft-supportive", "dpo-support-aligned", "simpo-support-aligned", "dpo-oppose-aligned", "simpo-oppose-aligned" })
            Assert.Contains($">{stage}</td>", all.Html);

        // The top arm removes the same examples on every seed; the random arm draws anew with each seed.
        Assert.Equal(File.ReadAllText(Path.Combine(folder, "data", "sft-neutral.ablate-top-0.1.s1.jsonl")),
            File.ReadAllText(Path.Combine(folder, "data", "sft-neutral.ablate-top-0.1.s2.jsonl")));
        Assert.NotEqual(File.ReadAllText(Path.Combine(folder, "data", "sft-neutral.ablate-random-0.1.s1.jsonl")),
            File.ReadAllText(Path.Combine(folder, "data", "sft-neutral.ablate-random-0.1.s2.jsonl")));
    }
}
