using ValueDrift.Drift;
using ValueDrift.Probes;
using XPlot.Plotly;

namespace ValueDrift.Reporting;

/// <summary>
/// The project's charts (XPlot.Plotly): stance probability over training steps and stacked stance shares, one panel
/// per phase (<see cref="PhaseFacets"/>: each phase drawn from the checkpoint it starts at, never one after another), a
/// drift-magnitude heatmap and value-gap bars. Every axis has automargin, so labels are not cut off.
/// </summary>
public static class DriftCharts
{
    /// <summary>
    /// One line per stance: p_s against the step for one topic, one panel per phase, with the 95%
    /// <see cref="ConfidenceBand"/> shaded when <paramref name="bands"/> is set. With <paramref name="starts"/>, steps
    /// are counted from the base model and each phase starts where the checkpoint it was trained from ended.
    /// </summary>
    public static PlotlyFigure StanceOverSteps(Trajectory trajectory, string topic, bool bands = true, int seed = 0, PhaseStarts? starts = null)
    {
        var facets = new PhaseFacets(trajectory, topic, starts);
        var traces = new List<Trace>();
        foreach (var (panel, i) in facets.Panels.Select((p, i) => (p, i)))
        {
            var points = trajectory.Series(panel.Phase, topic);
            var x = points.Select(p => p.Step + panel.Offset).ToArray();
            foreach (var s in StanceLabels.All)
            {
                if (bands)
                {
                    var b = points.Select(p => ConfidenceBand.At(p, s, seed, 400)).ToArray();
                    traces.Add(new Scatter
                    {
                        x = x, y = b.Select(v => v.Upper).ToArray(), mode = "lines", line = new Line { width = 0 }, xaxis = panel.X, yaxis = panel.Y,
                        showlegend = false, hoverinfo = "skip", legendgroup = s.Label(), name = s.Label() + " 95% upper",
                    });
                    traces.Add(new Scatter
                    {
                        x = x, y = b.Select(v => v.Lower).ToArray(), mode = "lines", line = new Line { width = 0 }, xaxis = panel.X, yaxis = panel.Y,
                        fill = "tonexty", fillcolor = StanceColors.Translucent(s), showlegend = false, hoverinfo = "skip",
                        legendgroup = s.Label(), name = s.Label() + " 95% lower",
                    });
                }
                traces.Add(new Scatter
                {
                    x = x, y = points.Select(p => p[s]).ToArray(), mode = "lines+markers", name = s.Label(), xaxis = panel.X, yaxis = panel.Y,
                    legendgroup = s.Label(), showlegend = i == 0, line = new Line { color = StanceColors.Of(s), width = 2 },
                    marker = new Marker { size = 4 }, text = points.Select(p => $"{panel.Phase} step {p.Step}").ToArray(),
                });
            }
        }
        var layout = facets.Layout("p(stance)", XTitle(starts), trajectory);
        return new PlotlyFigure($"Stance probability over training: {topic}", traces, layout) { Height = facets.Height };
    }

    /// <summary>Stacked stance shares (support, neutral, oppose sum to 1) against the step for one topic, one panel per phase.</summary>
    public static PlotlyFigure StackedShares(Trajectory trajectory, string topic, PhaseStarts? starts = null)
    {
        var facets = new PhaseFacets(trajectory, topic, starts);
        var traces = new List<Trace>();
        foreach (var (panel, i) in facets.Panels.Select((p, i) => (p, i)))
        {
            var points = trajectory.Series(panel.Phase, topic);
            traces.AddRange(StanceLabels.All.Select(s => (Trace)new Scatter
            {
                x = points.Select(p => p.Step + panel.Offset).ToArray(), y = points.Select(p => p[s]).ToArray(),
                mode = "lines", stackgroup = "shares-" + panel.Phase, name = s.Label(), legendgroup = s.Label(), showlegend = i == 0,
                xaxis = panel.X, yaxis = panel.Y, line = new Line { color = StanceColors.Of(s), width = 1 }, fillcolor = StanceColors.Translucent(s, 0.6),
            }));
        }
        var layout = facets.Layout("share", XTitle(starts), trajectory);
        return new PlotlyFigure($"Stance shares over training: {topic}", traces, layout) { Height = facets.Height };
    }

    private static string XTitle(PhaseStarts? starts) => starts is null ? "step of the phase" : "step (from the base model)";

    /// <summary>Drift magnitude of one stance, topic (rows) × phase (columns, one-point phases left out), on a diverging scale centred on 0.</summary>
    public static PlotlyFigure MagnitudeHeatmap(DriftTable table, Stance stance)
    {
        var rows = table.Rows.Where(r => r.Stance == stance).ToList();
        // A one-point phase (the base model's single measurement) has no drift: a column of zeros says nothing.
        if (rows.Any(r => r.EndStep > r.StartStep)) rows = rows.Where(r => rows.Any(x => x.Phase == r.Phase && x.EndStep > x.StartStep)).ToList();
        var phases = rows.Select(r => r.Phase).Distinct().ToArray();
        var topics = rows.Select(r => r.Topic).Distinct().ToArray();
        var z = topics.Select(t => phases.Select(p => rows.FirstOrDefault(r => r.Topic == t && r.Phase == p)?.Magnitude is { } m ? (object)m : null).ToArray()).ToArray();
        var text = topics.Select(t => phases.Select(p => rows.FirstOrDefault(r => r.Topic == t && r.Phase == p) is { } r
            ? FormattableString.Invariant($"M = {r.Magnitude:+0.000;-0.000;0.000}, drift time {r.DriftTimeCell(table.Endpoint, "0.00")}")
            : "").ToArray()).ToArray();
        var limit = Math.Max(0.05, rows.Count == 0 ? 0 : rows.Max(r => Math.Abs(r.Magnitude)));
        var heat = new Heatmap
        {
            z = z, x = phases, y = topics, text = text, zmin = -limit, zmax = limit, colorscale = "RdBu",
            colorbar = new Colorbar { title = "M" },
        };
        var layout = new PlotlyLayout
        {
            xaxis = new Xaxis { title = "phase", tickangle = -30 },
            yaxis = new Yaxis { title = "topic" },
        }.AutoMargin("xaxis", "yaxis");
        return new PlotlyFigure($"Drift magnitude of '{stance.Label()}' (end − start of phase)", [heat], layout) { Height = Math.Max(350, 60 + 32 * topics.Length) };
    }

    /// <summary>
    /// Value gap per topic: grouped bars of Δ_s = p_s(chosen) − p_s(rejected), the TV distance under each topic. Gaps
    /// named "dataset: topic" get one panel per dataset (stacked), so tick labels stay short and horizontal.
    /// </summary>
    public static PlotlyFigure ValueGapBars(IReadOnlyList<ValueGap> gaps)
    {
        static (string Group, string Topic) Split(string name) =>
            name.IndexOf(": ", StringComparison.Ordinal) is var i and > 0 ? (name[..i], name[(i + 2)..]) : ("", name);
        var groups = gaps.GroupBy(g => Split(g.Topic).Group).ToList();
        const int panelHeight = 210, top = 90, bottom = 30;
        int height = top + bottom + groups.Count * panelHeight;
        var layout = new PlotlyLayout { barmode = "group", margin = new Margin { t = top, b = bottom } };
        var traces = new List<Trace>();
        var annotations = new System.Text.Json.Nodes.JsonArray();
        double limit = Math.Max(0.1, gaps.SelectMany(g => StanceLabels.All.Select(s => Math.Abs(g.Difference(s)))).DefaultIfEmpty(0).Max() * 1.1);
        foreach (var (group, i) in groups.Select((g, i) => (g, i)))
        {
            string x = i == 0 ? "x" : $"x{i + 1}", y = i == 0 ? "y" : $"y{i + 1}";
            var labels = group.Select(g => FormattableString.Invariant($"{Split(g.Topic).Topic}<br>TV {g.TotalVariation:0.00}")).ToArray();
            traces.AddRange(StanceLabels.All.Select(s => (Trace)new Bar
            {
                x = labels, y = group.Select(g => g.Difference(s)).ToArray(), name = s.Label(), legendgroup = s.Label(), showlegend = i == 0,
                xaxis = x, yaxis = y, marker = new Marker { color = StanceColors.Of(s) },
            }));
            // Rows from the top; 60 px of each row hold the two-line tick labels and the next caption.
            double rowTop = 1 - (double)i / groups.Count, rowBottom = 1 - (double)(i + 1) / groups.Count;
            double pad = 60.0 / (height - top - bottom);
            var xa = layout.Axis("xaxis" + x[1..]);
            xa["anchor"] = y; xa["automargin"] = true; xa["tickangle"] = 0;
            var ya = layout.Axis("yaxis" + y[1..]);
            ya["anchor"] = x; ya["automargin"] = true; ya["range"] = new System.Text.Json.Nodes.JsonArray(-limit, limit); ya["zeroline"] = true;
            ya["domain"] = new System.Text.Json.Nodes.JsonArray(rowBottom + pad, rowTop - (groups.Count > 1 ? 25.0 / (height - top - bottom) : 0));
            ya["title"] = new System.Text.Json.Nodes.JsonObject { ["text"] = "Δp chosen − rejected", ["standoff"] = 6 };
            if (group.Key.Length > 0)
                annotations.Add(new System.Text.Json.Nodes.JsonObject
                {
                    ["text"] = $"<b>{System.Net.WebUtility.HtmlEncode(group.Key)}</b>", ["xref"] = "paper", ["yref"] = $"{y} domain",
                    ["x"] = 0, ["y"] = 1, ["xanchor"] = "left", ["yanchor"] = "bottom", ["showarrow"] = false,
                });
        }
        layout.Overrides["annotations"] = annotations;
        layout.Overrides["legend"] = new System.Text.Json.Nodes.JsonObject { ["orientation"] = "h", ["x"] = 1, ["xanchor"] = "right", ["y"] = 1, ["yanchor"] = "bottom" };
        return new PlotlyFigure("Value gap of the preference data (chosen − rejected)", traces, layout) { Height = height };
    }
}
