using System.Globalization;
using System.Net;
using System.Text;
using ValueDrift.Drift;

namespace ValueDrift.Reporting;

/// <summary>How an <see cref="HtmlReport"/> loads plotly.js.</summary>
public enum PlotlyScript
{
    /// <summary>The library's embedded plotly.min.js is written into the page: one self-contained file that renders offline.</summary>
    Inline,
    /// <summary>The page references plotly.min.js by a relative path (smaller pages; the file must sit beside them).</summary>
    RelativePath,
}

/// <summary>Settings of <see cref="HtmlReport.Save"/>.</summary>
public sealed record HtmlReportOptions
{
    public PlotlyScript Plotly { get; init; } = PlotlyScript.Inline;
    /// <summary>The path written into the page for <see cref="PlotlyScript.RelativePath"/>, relative to the page.</summary>
    public string PlotlyPath { get; init; } = "plotly.min.js";
    /// <summary>With <see cref="PlotlyScript.RelativePath"/>, also write the embedded plotly.min.js (and its licence) to that path.</summary>
    public bool CopyPlotly { get; init; } = true;
}

/// <summary>
/// A standalone HTML page of headings, paragraphs, tables and charts (<see cref="PlotlyFigure"/>). plotly.js
/// (npm plotly.js-dist-min, MIT) is embedded in the library and inlined by default, so the page needs no network.
/// </summary>
public sealed class HtmlReport
{
    private readonly StringBuilder _body = new();
    private int _figures;

    public string Title { get; }

    public HtmlReport(string title) => Title = title;

    public HtmlReport AddHeading(string text, int level = 2)
    {
        level = Math.Clamp(level, 1, 6);
        _body.Append($"<h{level}>{WebUtility.HtmlEncode(text)}</h{level}>\n");
        return this;
    }

    public HtmlReport AddParagraph(string text)
    {
        _body.Append($"<p>{WebUtility.HtmlEncode(text)}</p>\n");
        return this;
    }

    public HtmlReport AddFigure(PlotlyFigure figure)
    {
        _figures++;
        _body.Append(figure.ToHtmlDiv($"figure-{_figures}"));
        return this;
    }

    /// <summary>A plain table; cells are HTML-encoded.</summary>
    public HtmlReport AddTable(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        _body.Append("<table>\n<thead><tr>");
        foreach (var h in headers) _body.Append($"<th>{WebUtility.HtmlEncode(h)}</th>");
        _body.Append("</tr></thead>\n<tbody>\n");
        foreach (var row in rows)
        {
            _body.Append("<tr>");
            foreach (var c in row) _body.Append($"<td>{WebUtility.HtmlEncode(c)}</td>");
            _body.Append("</tr>\n");
        }
        _body.Append("</tbody>\n</table>\n");
        return this;
    }

    /// <summary>
    /// The drift table: phase, topic, stance, start, end, extremum (step), magnitude, its 95% interval, drift time
    /// ("none" when the interval contains 0; "(to step N)" when timed to an extremum other than M's endpoint), and the
    /// magnitude among stance-taking answers with its interval.
    /// </summary>
    public HtmlReport AddDriftTable(DriftTable table)
    {
        static string F(double v) => double.IsNaN(v) ? "n/a" : v.ToString("0.000", CultureInfo.InvariantCulture);
        return AddTable(
            ["phase", "topic", "stance", "start", "end", "extremum (step)", "magnitude", "95% CI", "drift time", "stanced M", "stanced 95% CI"],
            table.Rows.Select(r => (IReadOnlyList<string>)
            [
                r.Phase, r.Topic, Probes.StanceLabels.Label(r.Stance), F(r.Start), F(r.End),
                $"{F(r.Extreme)} ({r.ExtremeStep})", r.Magnitude.ToString("+0.000;-0.000;0.000", CultureInfo.InvariantCulture),
                r.MagnitudeCi?.Interval?.ToString() ?? "n/a", r.DriftTimeCell(table.Endpoint),
                r.MagnitudeStanced?.ToString("+0.000;-0.000;0.000", CultureInfo.InvariantCulture) ?? "n/a", r.MagnitudeStancedCi?.Interval?.ToString() ?? "n/a",
            ]));
    }

    /// <summary>Number of charts added.</summary>
    public int FigureCount => _figures;

    /// <summary>The whole page.</summary>
    public string Render(HtmlReportOptions? options = null)
    {
        options ??= new HtmlReportOptions();
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        sb.Append($"<title>{WebUtility.HtmlEncode(Title)}</title>\n");
        sb.Append("<style>body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1100px;padding:0 1em;color:#222}" +
                  "table{border-collapse:collapse;font-size:0.9em;margin:1em 0}th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}" +
                  "th{background:#f3f3f3}td:nth-child(-n+3){text-align:left}.figure{width:100%;margin:1em 0}</style>\n");
        if (options.Plotly == PlotlyScript.Inline)
            sb.Append("<script>\n").Append(PlotlyJs.Source.Replace("</script", "<\\/script", StringComparison.OrdinalIgnoreCase)).Append("\n</script>\n");
        else
            sb.Append($"<script src=\"{WebUtility.HtmlEncode(options.PlotlyPath)}\"></script>\n");
        sb.Append("</head>\n<body>\n");
        sb.Append($"<h1>{WebUtility.HtmlEncode(Title)}</h1>\n");
        sb.Append(_body);
        sb.Append("</body>\n</html>\n");
        return sb.ToString();
    }

    /// <summary>Writes the page (atomically: a temporary file renamed over the target) and, if asked, plotly.min.js beside it.</summary>
    public void Save(string path, HtmlReportOptions? options = null)
    {
        options ??= new HtmlReportOptions();
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        if (options.Plotly == PlotlyScript.RelativePath && options.CopyPlotly)
        {
            var js = Path.GetFullPath(Path.Combine(dir, options.PlotlyPath));
            Directory.CreateDirectory(Path.GetDirectoryName(js)!);
            File.WriteAllText(js, PlotlyJs.Source);
            File.WriteAllText(js + ".LICENSE", PlotlyJs.License);
        }
        var tmp = full + ".valuedrift-tmp";
        File.WriteAllText(tmp, Render(options));
        File.Move(tmp, full, overwrite: true);
    }
}
