using System.Text.Json;
using System.Text.Json.Nodes;
using ValueDrift.Drift;
using ValueDrift.Probes;
using ValueDrift.Reporting;
using ValueDrift.Tests.Drift;
using Xunit;

namespace ValueDrift.Tests.Reporting;

[Trait("tier", "fast")]
public class ReportTests
{
    [Fact]
    public void Long_frame_has_a_row_per_phase_topic_stance_step_with_global_steps()
    {
        var t = TestTrajectories.TwoPhases();
        var rows = DriftFrames.StanceRows(t);
        // sft: 5 + 5 points, dpo: 4 + 3 points; three stances each
        Assert.Equal((5 + 5 + 4 + 3) * 3, rows.Count);
        var frame = DriftFrames.Stances(t);
        Assert.Equal(rows.Count, frame.RowCount);
        Assert.Contains("GlobalStep", frame.ColumnKeys);
        var dpoLast = rows.Single(r => r.Phase == "dpo" && r.Topic == "immigration" && r.Stance == "oppose" && r.Step == 100);
        Assert.Equal(140, dpoLast.GlobalStep); // dpo counts from 0, laid after sft's last step 40
        Assert.Equal(0.11, dpoLast.Probability, 12);
        Assert.True(dpoLast.Lower < 0.11 && dpoLast.Upper > 0.11);

        var table = DriftFrames.Table(DriftTable.From(t));
        Assert.Equal(12, table.RowCount);
        Assert.Contains("DriftTime", table.ColumnKeys);
        Assert.Contains("MagnitudeLower", table.ColumnKeys);   // no per-question detail here: NaN bounds
        Assert.Equal(0, table.GetColumn<double>("MagnitudeUpper").ValueCount);   // Deedle reads NaN as missing
    }

    [Fact]
    public void Figures_write_titles_as_objects()
    {
        var fig = DriftCharts.StanceOverSteps(TestTrajectories.TwoPhases(), "immigration", starts: new PhaseStarts(new Dictionary<string, string> { ["dpo"] = "sft" }));
        var layout = JsonNode.Parse(fig.LayoutJson())!;
        Assert.Equal("Stance probability over training: immigration", layout["title"]!["text"]!.GetValue<string>());
        Assert.Equal("p(stance)", layout["yaxis"]!["title"]!["text"]!.GetValue<string>());
        // one panel per phase, each captioned; dpo's caption names the checkpoint it starts from
        var annotations = layout["annotations"]!.AsArray();
        Assert.Equal(2, annotations.Count);
        Assert.Contains("from sft (step 40)", annotations[1]!["text"]!.GetValue<string>());
        Assert.Equal("x2", layout["yaxis2"]!["anchor"]!.GetValue<string>());

        // aligned starts: dpo's steps continue from the end of sft, its checkpoint, in its own panel
        var data = JsonNode.Parse(fig.DataJson())!.AsArray();
        var support = data.Where(d => d!["name"]?.GetValue<string>() == "support").ToList();
        Assert.Equal([0, 10, 20, 30, 40], support[0]!["x"]!.AsArray().Select(x => x!.GetValue<int>()));
        Assert.Equal([40, 45, 90, 140], support[1]!["x"]!.AsArray().Select(x => x!.GetValue<int>()));
        Assert.Equal("x2", support[1]!["xaxis"]!.GetValue<string>());
        // without knowing where dpo started, it keeps its own steps
        var own = JsonNode.Parse(DriftCharts.StanceOverSteps(TestTrajectories.TwoPhases(), "immigration").DataJson())!.AsArray()
            .Where(d => d!["name"]?.GetValue<string>() == "support").ToList();
        Assert.Equal([0, 5, 50, 100], own[1]!["x"]!.AsArray().Select(x => x!.GetValue<int>()));

        var heat = JsonNode.Parse(DriftCharts.MagnitudeHeatmap(DriftTable.From(TestTrajectories.TwoPhases()), Stance.Support).DataJson())!;
        Assert.Equal("M", heat[0]!["colorbar"]!["title"]!["text"]!.GetValue<string>());
    }

    [Fact]
    public void Html_report_inlines_plotly_or_references_a_relative_copy()
    {
        var report = new HtmlReport("t <&>").AddParagraph("a < b").AddFigure(DriftCharts.StackedShares(TestTrajectories.TwoPhases(), "immigration"));
        var inline = report.Render();
        Assert.Contains(PlotlyJs.Source[..200], inline);
        Assert.Contains("t &lt;&amp;&gt;", inline);
        Assert.Contains("Plotly.newPlot(\"figure-1\"", inline);
        Assert.DoesNotContain("cdn", inline[..2000], StringComparison.OrdinalIgnoreCase);

        var dir = Fixtures.TempDir("report-relative");
        var page = Path.Combine(dir, "r.html");
        report.Save(page, new HtmlReportOptions { Plotly = PlotlyScript.RelativePath, PlotlyPath = "assets/plotly.min.js" });
        var html = File.ReadAllText(page);
        Assert.Contains("<script src=\"assets/plotly.min.js\"></script>", html);
        Assert.True(html.Length < 100_000);
        Assert.Equal(PlotlyJs.Source, File.ReadAllText(Path.Combine(dir, "assets", "plotly.min.js")));
        Assert.Contains("MIT License", File.ReadAllText(Path.Combine(dir, "assets", "plotly.min.js.LICENSE")));
    }

    [Fact]
    public void DriftReport_from_a_trace_writes_html_and_json_beside_it()
    {
        var dir = Fixtures.TempDir("drift-report");
        var trace = Path.Combine(dir, "trace.jsonl");
        using (var w = new TraceWriter(trace)) w.AppendAll(TestTrajectories.TwoPhases().Records());
        File.AppendAllText(trace, "{\"phase\":\"dpo\",\"st"); // a torn write

        var report = DriftReport.FromTrace(trace);
        Assert.Equal(1, report.TornLinesIgnored);
        Assert.Equal(Path.Combine(dir, "report.html"), report.HtmlPath);
        Assert.Equal(12, report.Table.Rows.Count);
        var json = JsonDocument.Parse(File.ReadAllText(report.JsonPath)).RootElement;
        Assert.Equal(12, json.GetArrayLength());
        var row = json.EnumerateArray().Single(r => r.GetProperty("phase").GetString() == "dpo"
            && r.GetProperty("topic").GetString() == "immigration" && r.GetProperty("stance").GetString() == "oppose");
        Assert.Equal(0.11 - 0.6, row.GetProperty("magnitude").GetDouble(), 12);
        Assert.Equal(0.05, row.GetProperty("drift_time").GetDouble(), 12);
        var html = File.ReadAllText(report.HtmlPath);
        // 3 heatmaps + 2 topics × (lines + stacked shares)
        Assert.Equal(3 + 2 * 2, html.Split("Plotly.newPlot(\"figure-").Length - 1);
    }
}
