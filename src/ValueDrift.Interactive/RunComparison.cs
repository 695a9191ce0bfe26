using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.DotNet.Interactive.Formatting;
using ValueDrift.Drift;
using ValueDrift.Probes;
using ValueDrift.Reporting;
using XPlot.Plotly;

namespace ValueDrift.Interactive;

/// <summary>
/// Two stage runs side by side, for a notebook cell that asks "what did B do differently from A?": per topic and
/// stance, each run's drift magnitude with its 95% interval and its drift time, and the difference M(B) − M(A).
/// <code>
/// var mine = session.Run(myStage, from: sft);
/// RunComparison.Of(dpo, mine)          // displays a chart of both runs' Δp and the diff table
/// </code>
/// Each run's Δp is measured from its own starting checkpoint, so the comparison is fair when both start from the
/// same one (e.g. two preference stages from the SFT checkpoint). It displays as HTML in a notebook;
/// <see cref="Rows"/>, <see cref="Chart"/> and <see cref="ToHtml"/> give the parts.
/// </summary>
public sealed class RunComparison
{
    // Registers its own display on first use, so a kernel shows it whichever set-up ran. (Implementing IHtmlContent
    // instead would tie cells to the Html.Abstractions version this assembly was built against: the kernel carries
    // an older one, and cells naming the type then fail to compile.)
    static RunComparison() => Formatter.Register<RunComparison>((c, w) => w.Write(c.ToHtml()), "text/html");

    private RunComparison(StageChange a, StageChange b, string probe, IReadOnlyList<RunComparisonRow> rows)
    {
        A = a;
        B = b;
        Probe = probe;
        Rows = rows;
    }

    public StageChange A { get; }
    public StageChange B { get; }

    /// <summary>"generation probe" or "likelihood probe": which measurement the rows compare.</summary>
    public string Probe { get; }

    /// <summary>One row per topic and stance measured in either run (NaN where a run lacks it), in topic then stance order.</summary>
    public IReadOnlyList<RunComparisonRow> Rows { get; }

    /// <summary>
    /// Compares <paramref name="a"/> with <paramref name="b"/> on the generation probe (the paper's measurement), or on
    /// the likelihood probe when <paramref name="likelihood"/> is set and both runs traced it.
    /// </summary>
    public static RunComparison Of(StageChange a, StageChange b, bool likelihood = false)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        DriftTable Table(StageChange c) => likelihood
            ? c.LikelihoodChanges ?? throw new Errors.ConfigException($"stage '{c.Phase}'", "likelihood", "this run has no likelihood-probe trace to compare")
            : c.Changes;
        var (ta, tb) = (Table(a), Table(b));
        var topics = ta.Rows.Select(r => r.Topic).Concat(tb.Rows.Select(r => r.Topic)).Distinct().ToList();
        var rows = (from topic in topics
                    from stance in StanceLabels.All
                    let ra = ta.Find(a.Phase, topic, stance)
                    let rb = tb.Find(b.Phase, topic, stance)
                    where ra is not null || rb is not null
                    select new RunComparisonRow(topic, stance, ra, rb)).ToList();
        return new RunComparison(a, b, likelihood ? "likelihood probe" : "generation probe", rows);
    }

    /// <summary>The row with the largest |M(B) − M(A)|, or null when no row has both runs.</summary>
    public RunComparisonRow? LargestDifference => Rows.Where(r => double.IsFinite(r.Difference)).MaxBy(r => Math.Abs(r.Difference));

    /// <summary>Grouped bars: per topic and stance, Δp of each run with its 95% interval as error bars.</summary>
    public PlotlyFigure Chart()
    {
        var (nameA, nameB) = Names();
        var labels = Rows.Select(r => $"{r.Topic} · {r.Stance.Label()}").ToArray();
        Trace Bars(string name, Func<RunComparisonRow, DriftRow?> pick, string colour) => new Bar
        {
            x = labels,
            y = Rows.Select(r => pick(r)?.Magnitude ?? double.NaN).ToArray(),
            text = Rows.Select(r => pick(r) is { } d ? string.Create(CultureInfo.InvariantCulture, $"{d.Start:0.00} → {d.End:0.00}, 95% CI {Ci(d)}") : "").ToArray(),
            // Asymmetric error bars from the magnitude's bootstrap interval (none where it could not be computed).
            error_y = new Error_y
            {
                type = "data", symmetric = false, visible = true,
                array = Rows.Select(r => pick(r) is { MagnitudeCi.Interval: { } i } d ? i.Upper - d.Magnitude : 0).ToArray(),
                arrayminus = Rows.Select(r => pick(r) is { MagnitudeCi.Interval: { } i } d ? d.Magnitude - i.Lower : 0).ToArray(),
            },
            name = name, marker = new Marker { color = colour },
        };
        var values = Rows.SelectMany(r => new[] { r.A, r.B }).Where(d => d is not null)
            .SelectMany(d => new[] { d!.Magnitude, d.MagnitudeCi?.Interval?.Lower ?? 0, d.MagnitudeCi?.Interval?.Upper ?? 0 });
        var limit = Math.Max(0.1, values.Where(double.IsFinite).Select(Math.Abs).DefaultIfEmpty(0).Max() * 1.15);
        var layout = new Layout.Layout
        {
            barmode = "group",
            xaxis = new Xaxis { title = "topic · stance", tickangle = -20 },
            yaxis = new Yaxis { title = "Δp over the stage", range = new[] { -limit, limit }, zeroline = true },
            // Room for the tilted "topic · stance" ticks below the axis title (XPlot has no automargin).
            margin = new Margin { b = 110 },
        };
        return new PlotlyFigure($"{nameA} vs {nameB} ({Probe})", [Bars(nameA, r => r.A, "#4c72b0"), Bars(nameB, r => r.B, "#dd8452")], layout) { Height = 400 };
    }

    /// <summary>One line naming both runs, where they started, and the largest difference.</summary>
    public string Summary
    {
        get
        {
            var (nameA, nameB) = Names();
            var text = $"{nameA} (from {A.From}) vs {nameB} (from {B.From}), {Probe}";
            return LargestDifference is { } d
                ? text + string.Create(CultureInfo.InvariantCulture,
                    $": largest difference {d.Topic} {d.Stance.Label()} M(B) − M(A) = {d.Difference:+0.000;−0.000;0.000} ({d.A!.Magnitude:+0.000;−0.000;0.000} vs {d.B!.Magnitude:+0.000;−0.000;0.000}).")
                : text + ": no topic and stance measured in both.";
        }
    }

    /// <summary>The diff table: topic, stance, then for A and B the magnitude, its 95% interval and the drift time, then M(B) − M(A).</summary>
    public string TableHtml()
    {
        var (nameA, nameB) = Names();
        var sb = new StringBuilder();
        sb.Append("<table class=\"valuedrift-table valuedrift-comparison\" style=\"border-collapse:collapse;font-size:0.9em\">\n")
          .Append("<caption style=\"text-align:left;font-weight:bold\">")
          .Append(E($"Comparison: {Rows.Count} rows (topic × stance), A = {nameA}, B = {nameB}, {Probe}")).Append("</caption>\n<thead><tr>");
        foreach (var h in new[] { "topic", "stance", "M (A)", "95% CI (A)", "drift time (A)", "M (B)", "95% CI (B)", "drift time (B)", "M(B) − M(A)" })
            sb.Append("<th style=\"border:1px solid #ccc;padding:2px 8px;background:#f3f3f3\">").Append(E(h)).Append("</th>");
        sb.Append("</tr></thead>\n<tbody>\n");
        foreach (var r in Rows)
        {
            sb.Append("<tr>");
            foreach (var c in new[] { r.Topic, r.Stance.Label(), M(r.A?.Magnitude), r.A is null ? "" : Ci(r.A), T(r.A), M(r.B?.Magnitude), r.B is null ? "" : Ci(r.B), T(r.B), M(r.Difference) })
                sb.Append("<td style=\"border:1px solid #ccc;padding:2px 8px\">").Append(E(c)).Append("</td>");
            sb.Append("</tr>\n");
        }
        sb.Append("</tbody>\n</table>\n");
        return sb.ToString();
    }

    /// <summary>The whole display: the summary line, the chart (drawn with the plotly.js the set-up cell loaded), the diff table.</summary>
    public string ToHtml() =>
        "<div class=\"valuedrift-comparison\"><p>" + E(Summary) + "</p>\n" +
        ChartHtml.Render(Chart(), Notebook.Options.StandaloneCharts) + TableHtml() + "</div>\n";

    public override string ToString() => Summary;

    // Two runs of the same phase name (e.g. a stage read back) still get two legend entries.
    private (string, string) Names() => A.Phase == B.Phase ? ($"{A.Phase} (A)", $"{B.Phase} (B)") : (A.Phase, B.Phase);

    private static string M(double? v) => v is { } x && double.IsFinite(x) ? x.ToString("+0.000;-0.000;0.000", CultureInfo.InvariantCulture) : "n/a";
    private static string T(DriftRow? r) => r is null ? "n/a" : r.DriftTimeText("0.00");
    private static string Ci(DriftRow r) => r.MagnitudeCi?.Interval?.ToString() ?? "n/a";
    private static string E(string s) => WebUtility.HtmlEncode(s);
}
