using System.Text.RegularExpressions;
using Deedle;
using Microsoft.DotNet.Interactive.Formatting;
using ValueDrift.Drift;
using ValueDrift.Interactive;
using ValueDrift.Reporting;
using ValueDrift.Tests.Drift;
using XPlot.Plotly;
using Xunit;

namespace ValueDrift.Tests.Notebooks;

/// <summary>The notebook displays, formatted in-process: what a kernel shows for each of the project's values.</summary>
[Collection(NotebookCollection.Name)]
public class NotebookFormatterTests
{
    private static string Html(object value, NotebookOptions? options = null)
    {
        var previous = Notebook.Options;
        try
        {
            Notebook.Options = options ?? new NotebookOptions();
            Notebook.RegisterFormatters();
            return Formatter.ToDisplayString(value, "text/html");
        }
        finally { Notebook.Options = previous; }
    }

    private static int BodyRows(string html) => Regex.Matches(html[html.IndexOf("<tbody>", StringComparison.Ordinal)..], "<tr>").Count;

    [Fact]
    public void Setup_initialises_torch_and_loads_the_natives_beside_TorchSharp()
    {
        var setup = Notebook.Setup();
        Assert.Matches(new Regex(@"^TorchSharp [\d.]+ · device (CPU · \d+ threads|CUDA)$"), setup.Device);
        Assert.Contains("libLibTorchSharp.so", setup.NativesLoaded);
        Assert.Equal("libLibTorchSharp.so", setup.NativesLoaded[^1]);               // loaded after what it needs
        var order = setup.NativesLoaded.ToList();
        Assert.True(order.IndexOf("libc10.so") < order.IndexOf("libtorch_cpu.so"));
        Assert.True(FSharpCoreRedirect.IsInstalled);
        Assert.Equal(setup.NativesLoaded, Notebook.Setup().NativesLoaded);           // a second call loads nothing new
        Assert.Contains("if (typeof window.Plotly === \"undefined\")", Html(setup));
    }

    [Fact]
    public void Trajectory_shows_one_chart_per_topic_up_to_the_limit()
    {
        var t = TestTrajectories.TwoPhases();
        var all = Html(t);
        Assert.Contains("Trajectory: sft (steps 0–40) → dpo (steps 0–100); 2 topics.", System.Net.WebUtility.HtmlDecode(all));
        Assert.Equal(2, Regex.Matches(all, "Plotly.newPlot").Count);
        Assert.DoesNotContain("plotly.js v3.7.0", all);                             // plotly.js comes from the set-up output

        var one = Html(t, new NotebookOptions { MaxTopicCharts = 1 });
        Assert.Single(Regex.Matches(one, "Plotly.newPlot"));
        Assert.Contains("Charts of the first 1", one);
    }

    [Fact]
    public void Drift_table_shows_rows_up_to_the_limit()
    {
        var table = DriftTable.From(TestTrajectories.TwoPhases());
        var html = Html(table, new NotebookOptions { MaxTableRows = 5 });
        Assert.Contains("Drift table: 12 rows (phase × topic × stance), first 5 shown", System.Net.WebUtility.HtmlDecode(html));
        Assert.Equal(5, BodyRows(html));
        // sft, immigration, support: 0.20 → 0.78 (peak 0.80 at step 30)
        Assert.Matches(new Regex(@"<td[^>]*>sft</td><td[^>]*>immigration</td><td[^>]*>support</td><td[^>]*>0\.200</td><td[^>]*>0\.780</td><td[^>]*>0\.800 \(30\)</td><td[^>]*>\+0\.580</td>"), html);
    }

    [Fact]
    public void Deedle_frame_of_any_key_types_shows_as_a_table_of_its_first_rows()
    {
        var frame = Frame.FromRecords(Enumerable.Range(1, 30).Select(i => new { A = i, B = i / 3.0, C = $"x{i}" }));
        var html = Html(frame, new NotebookOptions { MaxFrameRows = 10 });
        Assert.Contains("Frame: 30 rows × 3 columns, first 10 shown", System.Net.WebUtility.HtmlDecode(html));
        Assert.Equal(10, BodyRows(html));
        Assert.Matches(new Regex(@"<td[^>]*>0</td><td[^>]*>1</td><td[^>]*>0\.333333</td><td[^>]*>x1</td>"), html);
        Assert.DoesNotContain("x11", html);

        var keyed = Html(frame.IndexRows<string>("C", keepColumn: false), new NotebookOptions { MaxFrameRows = 10 });
        Assert.Contains("Frame: 30 rows × 2 columns, first 10 shown", System.Net.WebUtility.HtmlDecode(keyed));
        Assert.Matches(new Regex(@"<td[^>]*>x1</td><td[^>]*>1</td><td[^>]*>0\.333333</td></tr>"), keyed);
    }

    [Fact]
    public void Plotly_figure_and_XPlot_chart_draw_with_object_titles()
    {
        var figure = Html(DriftCharts.MagnitudeHeatmap(DriftTable.From(TestTrajectories.TwoPhases()), ValueDrift.Probes.Stance.Support));
        Assert.Contains("\"type\":\"heatmap\"", figure);
        Assert.Contains("window.Plotly.newPlot(", figure);

        var chart = Chart.Plot(new Scatter { x = new[] { 1, 2, 3 }, y = new[] { 0.1, 0.5, 0.2 }, name = "p" });
        chart.WithLayout(new Layout.Layout { title = "An XPlot chart", xaxis = new Xaxis { title = "step" } });
        var html = Html(chart);
        Assert.Contains("{\"text\":\"An XPlot chart\"}", html);
        Assert.Contains("{\"text\":\"step\"}", html);
        Assert.Contains("\"x\":[1,2,3]", html);
        Assert.DoesNotContain("dni-treeview", html);
    }

    [Fact]
    public void Stage_change_bars_are_end_minus_start_of_the_phase()
    {
        var table = DriftTable.From(TestTrajectories.TwoPhases());
        var figure = StageChangeCharts.ChangeBars(table, "dpo", "generation probe");
        Assert.Equal("Stance change in dpo (generation probe)", figure.Title);
        var bars = figure.Traces.Cast<Bar>().ToList();
        Assert.Equal(["support", "neutral", "oppose"], bars.Select(b => b.name));
        // dpo, immigration: oppose 0.60 → 0.11 (the rest split evenly: support 0.20 → 0.445); climate change unchanged
        var oppose = ((IEnumerable<double>)bars[2].y).ToList();
        Assert.Equal(-0.49, oppose[0], 9);
        Assert.Equal(0.0, oppose[1], 9);
        Assert.Equal(0.245, ((IEnumerable<double>)bars[0].y).First(), 9);

        var compare = StageChangeCharts.CompareChanges(table, ["sft", "dpo"], ValueDrift.Probes.Stance.Support);
        var sft = (IEnumerable<double>)compare.Traces.Cast<Bar>().Single(b => b.name == "sft").y;
        Assert.Equal(0.78 - 0.2, sft.First(), 9);   // sft, immigration: support 0.20 → 0.78
    }
}
