using System.Diagnostics;
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
    private static string FindChromium()
    {
        foreach (var name in new[] { "chromium", "chromium-browser", "google-chrome" })
            foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':'))
            {
                var path = Path.Combine(dir, name);
                if (File.Exists(path)) return path;
            }
        Assert.Fail("headless rendering test needs Chromium: install the Debian package 'chromium' (apt-get install -y chromium)");
        return "";
    }

    private static (int Exit, string Stdout) RunChromium(string chromium, string userDataDir, params string[] extra)
    {
        var psi = new ProcessStartInfo(chromium)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[]
                 {
                     "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     $"--user-data-dir={userDataDir}", "--virtual-time-budget=15000",
                 }.Concat(extra))
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(120)))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail("chromium did not finish within 120 s: " + stderr.Result);
        }
        return (p.ExitCode, stdout.Result);
    }

    [Fact]
    public void Report_renders_every_chart_offline()
    {
        var chromium = FindChromium();
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
        var url = new Uri(report.HtmlPath).AbsoluteUri;

        var (exit, dom) = RunChromium(chromium, Path.Combine(dir, "profile-dom"), "--dump-dom", url);
        Assert.True(exit == 0, $"chromium --dump-dom exited {exit}");
        var plots = Regex.Matches(dom, "class=\"[^\"]*js-plotly-plot[^\"]*\"").Count;
        Assert.Equal(expectedCharts, plots);
        // plotly draws its main svg (plus an info layer) into each chart
        Assert.True(Regex.Matches(dom, "class=\"main-svg\"").Count >= expectedCharts);
        Assert.Contains("Stance probability over training: immigration", dom); // titles given as objects are drawn
        Assert.Contains("class=\"gtitle\"", dom);

        var png = Path.Combine(dir, "report.png");
        var (exit2, _) = RunChromium(chromium, Path.Combine(dir, "profile-shot"), $"--screenshot={png}", "--window-size=1200,2600", "--hide-scrollbars", url);
        Assert.True(exit2 == 0, $"chromium --screenshot exited {exit2}");
        Assert.True(new FileInfo(png).Length > 20_000, "screenshot is suspiciously small");
    }
}
