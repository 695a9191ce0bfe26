using System.Text.RegularExpressions;
using ValueDrift.Drift;
using ValueDrift.Probes;
using ValueDrift.Reporting;
using ValueDrift.Tests.Drift;
using Xunit;

namespace ValueDrift.Tests.Reporting;

/// <summary>
/// Renders a generated report in headless Chromium (Debian package `chromium`) and checks that plotly.js drew every
/// chart, offline. The screenshot is kept under the test output folder (tmp/chromium-render-*/report.png).
/// </summary>
public class ChromiumRenderTests
{
    [Fact]
    public void Report_renders_every_chart_offline()
    {
        var dir = Fixtures.TempDir("chromium-render");
        var trace = Path.Combine(dir, "trace.jsonl");
        using (var w = new TraceWriter(trace)) w.AppendAll(TestTrajectories.TwoPhases().Records());
        var gaps = new[]
        {
            ValueGap.From("immigration", [new(0.8, 0.1, 0.1)], [new(0.2, 0.3, 0.5)]),
            ValueGap.From("climate change", [new(0.3, 0.4, 0.3)], [new(0.3, 0.35, 0.35)]),
        };
        var report = DriftReport.FromTrace(trace, new DriftReportOptions { ValueGaps = gaps });
        var expectedCharts = 3 + 1 + 2 * 2; // heatmaps, value gap, per topic lines + shares

        var dom = HeadlessChromium.DumpDom(report.HtmlPath, Path.Combine(dir, "profile-dom"));
        var plots = Regex.Matches(dom, "class=\"[^\"]*js-plotly-plot[^\"]*\"").Count;
        Assert.Equal(expectedCharts, plots);
        // plotly draws its main svg (plus an info layer) into each chart
        Assert.True(Regex.Matches(dom, "class=\"main-svg\"").Count >= expectedCharts);
        Assert.Contains("Stance probability over training: immigration", dom); // titles given as objects are drawn
        Assert.Contains("class=\"gtitle\"", dom);

        var png = Path.Combine(dir, "report.png");
        HeadlessChromium.Screenshot(report.HtmlPath, png, Path.Combine(dir, "profile-shot"));
        Assert.True(new FileInfo(png).Length > 20_000, "screenshot is suspiciously small");
    }
}
