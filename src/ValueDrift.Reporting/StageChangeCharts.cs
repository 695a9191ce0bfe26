using System.Globalization;
using ValueDrift.Drift;
using ValueDrift.Probes;
using XPlot.Plotly;

namespace ValueDrift.Reporting;

/// <summary>
/// Charts of how one stage changed stance probabilities since the previous stage: a stage's step 0 is the checkpoint
/// it started from (the previous stage's end), so Δp_s = p_s(end of stage) − p_s(step 0), the drift magnitude of the
/// <see cref="DriftTable"/> row. Used where stages are run one at a time (a notebook cell per stage) and each result
/// should say what that stage did.
/// </summary>
public static class StageChangeCharts
{
    /// <summary>
    /// One phase: per topic, grouped bars of Δp for support, neutral and oppose. Charts meant to be compared (the stage
    /// cells of a notebook, generation beside likelihood) pass one <paramref name="sharedScale"/>: the axis runs ±that
    /// and says so, so a small bar looks small next to a large one; null scales the chart to its own bars.
    /// </summary>
    public static PlotlyFigure ChangeBars(DriftTable table, string phase, string? probe = null, double? sharedScale = null)
    {
        var rows = table.Rows.Where(r => r.Phase == phase).ToList();
        var topics = rows.Select(r => r.Topic).Distinct().ToArray();
        var traces = StanceLabels.All.Select(s =>
        {
            var cells = topics.Select(t => rows.First(r => r.Topic == t && r.Stance == s)).ToArray();
            return (Trace)new LabelledBar
            {
                x = topics, y = cells.Select(r => r.Magnitude).ToArray(),
                text = cells.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Start:0.00}→{r.End:0.00}")).ToArray(),
                hovertext = cells.Select(r => string.Create(CultureInfo.InvariantCulture, $"{s.Label()}: {r.Start:0.00} → {r.End:0.00} (steps {r.StartStep}–{r.EndStep})")).ToArray(),
                name = s.Label(), marker = new Marker { color = StanceColors.Of(s) },
            };
        }).ToList();
        var layout = new PlotlyLayout
        {
            barmode = "group",
            xaxis = new Xaxis { title = "topic" },
            yaxis = new Yaxis
            {
                title = sharedScale is { } shared ? string.Create(CultureInfo.InvariantCulture, $"Δp = p(end) − p(start), shared scale ±{shared:0.##}") : "Δp = p(end) − p(start)",
                range = sharedScale is { } s ? [-s, s] : Range(rows.Select(r => r.Magnitude)), zeroline = true,
            },
        }.AutoMargin("xaxis", "yaxis");
        // Labels too small to read where bars are narrow are left out rather than drawn over each other.
        layout.Overrides["uniformtext"] = new System.Text.Json.Nodes.JsonObject { ["minsize"] = 9, ["mode"] = "hide" };
        var title = $"Stance change in {phase}" + (probe is null ? "" : $" ({probe})");
        return new PlotlyFigure(title, traces, layout) { Height = 380 };
    }

    /// <summary>
    /// Several phases side by side for one stance: per topic, one bar per phase of Δp_stance (e.g. DPO, SimPO and PPO
    /// on the same data from the same checkpoint).
    /// </summary>
    public static PlotlyFigure CompareChanges(DriftTable table, IReadOnlyList<string> phases, Stance stance, string? probe = null)
    {
        var rows = table.Rows.Where(r => r.Stance == stance && phases.Contains(r.Phase)).ToList();
        var topics = rows.Select(r => r.Topic).Distinct().ToArray();
        var palette = new[] { "#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860" };
        var traces = phases.Select((phase, i) => (Trace)new Bar
        {
            x = topics,
            y = topics.Select(t => rows.FirstOrDefault(r => r.Topic == t && r.Phase == phase)?.Magnitude ?? double.NaN).ToArray(),
            name = phase, marker = new Marker { color = palette[i % palette.Length] },
        }).ToList();
        var layout = new PlotlyLayout
        {
            barmode = "group",
            xaxis = new Xaxis { title = "topic" },
            yaxis = new Yaxis { title = $"Δp({stance.Label()}) over the stage", range = Range(rows.Select(r => r.Magnitude)), zeroline = true },
        }.AutoMargin("xaxis", "yaxis");
        var title = $"Change of '{stance.Label()}' by stage" + (probe is null ? "" : $" ({probe})");
        return new PlotlyFigure(title, traces, layout) { Height = 380 };
    }

    /// <summary>
    /// One scale for the stage charts of <paramref name="phases"/>: the half-range their own charts would take for the
    /// largest of them, so that all of them fit and compare.
    /// </summary>
    public static double SharedScale(DriftTable table, IEnumerable<string> phases)
    {
        var set = phases.ToHashSet();
        return Range(table.Rows.Where(r => set.Contains(r.Phase)).Select(r => r.Magnitude))[1];
    }

    // A symmetric axis of at least ±0.1, so small changes look small rather than filling the chart; 30% headroom for the labels.
    private static double[] Range(IEnumerable<double> values)
    {
        var limit = Math.Max(0.1, values.Where(double.IsFinite).Select(Math.Abs).DefaultIfEmpty(0).Max() * 1.3);
        return [-limit, limit];
    }
}
