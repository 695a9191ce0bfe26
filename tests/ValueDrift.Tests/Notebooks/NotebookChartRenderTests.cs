using System.Text.RegularExpressions;
using Microsoft.DotNet.Interactive.Formatting;
using ValueDrift.Interactive;
using ValueDrift.Reporting;
using ValueDrift.Tests.Drift;
using Xunit;

namespace ValueDrift.Tests.Notebooks;

/// <summary>
/// Executed chart outputs drawn by headless Chromium with no network: plotly.js comes from the set-up cell's output
/// (or from the chart itself with <see cref="NotebookOptions.StandaloneCharts"/>), never from a CDN.
/// </summary>
[Collection(NotebookCollection.Name)]
public class NotebookChartRenderTests(NotebookRuns runs)
{
    private static int Plots(string dom) => Regex.Matches(dom, "class=\"[^\"]*js-plotly-plot[^\"]*\"").Count;

    [Fact]
    public void Chart_cell_draws_offline_after_the_setup_cell()
    {
        var run = runs.Get("00-setup.ipynb");
        var setup = run.Cells[0].Html;
        var chart = NotebookExecutionTests.Cell(run, "new Trajectory(")!.Html;
        Assert.DoesNotContain("cdn", chart, StringComparison.OrdinalIgnoreCase);
        var dir = Fixtures.TempDir("notebook-chart-render");

        // The notebook as a front end shows it: the set-up output, then the chart cell's output.
        var dom = HeadlessChromium.DumpDom(HeadlessChromium.Page(dir, "setup-and-chart.html", setup, chart), Path.Combine(dir, "profile-1"));
        Assert.Equal(2, Plots(dom));                                           // one chart per topic
        Assert.True(Regex.Matches(dom, "class=\"main-svg\"").Count >= 2, "plotly drew no svg");
        Assert.Contains("Stance probability over training: immigration", dom); // the title object was drawn

        // Without the set-up output the chart says what is missing instead of staying blank.
        var alone = HeadlessChromium.DumpDom(HeadlessChromium.Page(dir, "chart-alone.html", chart), Path.Combine(dir, "profile-2"));
        Assert.Equal(0, Plots(alone));
        Assert.Contains("plotly.js is not loaded: run the notebook's first cell", alone);
    }

    [Fact]
    public void Stage_cell_of_the_walkthrough_draws_its_change_charts_offline()
    {
        var run = runs.Get("01-value-drift-walkthrough.ipynb");
        var stage = NotebookExecutionTests.Cell(run, "session.Run(\"dpo-standard\"")!.Html;
        Assert.DoesNotContain("cdn", stage, StringComparison.OrdinalIgnoreCase);
        var dir = Fixtures.TempDir("notebook-stage-render");
        var dom = HeadlessChromium.DumpDom(HeadlessChromium.Page(dir, "setup-and-stage.html", run.Cells[0].Html, stage), Path.Combine(dir, "profile"));
        // Δp bars of both probes and the stage's stance lines for each topic, each drawn as svg by plotly.js.
        var topics = ValueDrift.WorldRuns.WorldExperimentOptions.Notebook("run", null).World.Topics!.Count;
        Assert.Equal(2 + topics, Plots(dom));
        Assert.True(Regex.Matches(dom, "class=\"main-svg\"").Count >= 2 + topics, "plotly drew no svg");
        Assert.Contains("Stance change in dpo-standard (likelihood probe)", dom);
        Assert.True(Regex.Matches(dom, "class=\"point\"").Count >= 2 * topics * 3, "no bars drawn");   // 2 charts × the topics × 3 stances
    }

    [Fact]
    public void Standalone_chart_output_draws_by_itself()
    {
        var previous = Notebook.Options;
        string html;
        try
        {
            Notebook.Options = previous with { StandaloneCharts = true };
            Notebook.RegisterFormatters();
            html = Formatter.ToDisplayString(DriftCharts.StackedShares(TestTrajectories.TwoPhases(), "immigration"), "text/html");
        }
        finally { Notebook.Options = previous; }
        Assert.Contains("plotly.js v3.7.0", html);
        var dir = Fixtures.TempDir("notebook-standalone-chart");
        var dom = HeadlessChromium.DumpDom(HeadlessChromium.Page(dir, "chart.html", html), Path.Combine(dir, "profile"));
        Assert.Equal(1, Plots(dom));
        Assert.Contains("Stance shares over training: immigration", dom);
    }
}
