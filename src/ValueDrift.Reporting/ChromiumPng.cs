using System.Buffers.Binary;
using System.Diagnostics;

namespace ValueDrift.Reporting;

/// <summary>
/// Renders a <see cref="PlotlyFigure"/> to a PNG with headless Chromium (Debian's <c>chromium</c>, which
/// <c>environment/setup.sh</c> installs for the rendering tests), offline: the page loads the library's own plotly.js
/// from beside it, and the browser runs with networking features off. For pictures that show on GitHub, where
/// plotly.js does not run.
/// </summary>
public static class ChromiumPng
{
    /// <summary>Environment variable naming the browser binary, when it is not <c>chromium</c> on the PATH.</summary>
    public const string BrowserVariable = "VALUEDRIFT_CHROMIUM";

    /// <summary>Width in CSS pixels of a rendered chart (the report's page width).</summary>
    public const int DefaultWidth = 1000;

    /// <summary>The browser binary: <see cref="BrowserVariable"/>, else chromium, chromium-browser or google-chrome on the PATH.</summary>
    public static string FindBrowser()
    {
        if (Environment.GetEnvironmentVariable(BrowserVariable) is { Length: > 0 } named)
            return File.Exists(named) ? named : throw new ChartRenderException("any chart", $"{BrowserVariable}={named}: no such file");
        foreach (var name in new[] { "chromium", "chromium-browser", "google-chrome" })
            foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
                if (File.Exists(Path.Combine(dir, name))) return Path.Combine(dir, name);
        throw new ChartRenderException("any chart", "no headless browser: install Debian's 'chromium' (bash environment/setup.sh does) or set " + BrowserVariable);
    }

    /// <summary>
    /// Draws <paramref name="figure"/> at <paramref name="width"/> × <see cref="PlotlyFigure.Height"/> CSS pixels and
    /// writes the PNG to <paramref name="png"/> (atomically). <paramref name="workDirectory"/> holds the page, plotly.js
    /// and the browser profile; it is created and may be reused across charts.
    /// </summary>
    public static (int Width, int Height) Render(PlotlyFigure figure, string png, string workDirectory, int width = DefaultWidth)
    {
        Directory.CreateDirectory(workDirectory);
        var js = Path.Combine(workDirectory, "plotly.min.js");
        if (!File.Exists(js) || new FileInfo(js).Length != PlotlyJs.Source.Length) File.WriteAllText(js, PlotlyJs.Source);
        var page = Path.Combine(workDirectory, "chart.html");
        // staticPlot: no mode bar or hover layer in the picture; a fixed-size div so the PNG is exactly the chart.
        File.WriteAllText(page,
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><script src=\"plotly.min.js\"></script>" +
            "<style>html,body{margin:0;padding:0;background:#fff}</style></head><body>\n" +
            $"<div id=\"chart\" style=\"width:{width}px;height:{figure.Height}px\"></div>\n" +
            $"<script>Plotly.newPlot(\"chart\", {figure.DataJson()}, {figure.LayoutJson()}, {{\"staticPlot\": true}});</script>\n" +
            "</body></html>\n");

        var full = Path.GetFullPath(png);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var tmp = full + ".valuedrift-tmp.png";
        File.Delete(tmp);
        var psi = new ProcessStartInfo(FindBrowser()) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[]
                 {
                     "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--hide-scrollbars",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync", "--force-device-scale-factor=1",
                     $"--user-data-dir={Path.Combine(workDirectory, "profile")}", "--virtual-time-budget=15000",
                     $"--window-size={width},{figure.Height}", $"--screenshot={tmp}", new Uri(page).AbsoluteUri,
                 })
            psi.ArgumentList.Add(a);
        using (var p = Process.Start(psi) ?? throw new ChartRenderException(figure.Title, "the browser did not start"))
        {
            var stderr = p.StandardError.ReadToEndAsync();
            _ = p.StandardOutput.ReadToEndAsync();
            if (!p.WaitForExit(TimeSpan.FromSeconds(120)))
            {
                p.Kill(entireProcessTree: true);
                throw new ChartRenderException(figure.Title, "the browser did not finish within 120 s");
            }
            if (p.ExitCode != 0 || !File.Exists(tmp))
                throw new ChartRenderException(figure.Title, $"the browser exited {p.ExitCode} without an image: {Last(stderr.Result)}");
        }
        var size = Dimensions(tmp);
        File.Move(tmp, full, overwrite: true);
        return size;
    }

    /// <summary>Width and height of a PNG, read from its IHDR chunk.</summary>
    public static (int Width, int Height) Dimensions(string png)
    {
        Span<byte> head = stackalloc byte[24];
        using (var f = File.OpenRead(png))
            if (f.Read(head) < 24 || head[1] != (byte)'P' || head[2] != (byte)'N' || head[3] != (byte)'G')
                throw new ChartRenderException(Path.GetFileName(png), "not a PNG file");
        return (BinaryPrimitives.ReadInt32BigEndian(head[16..]), BinaryPrimitives.ReadInt32BigEndian(head[20..]));
    }

    private static string Last(string s) => s.Trim().Split('\n').LastOrDefault() ?? "";
}
