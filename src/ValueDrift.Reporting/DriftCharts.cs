using ValueDrift.Drift;
using ValueDrift.Probes;
using XPlot.Plotly;

namespace ValueDrift.Reporting;

/// <summary>
/// The project's charts (XPlot.Plotly): stance probability over training steps, stacked stance shares, a
/// drift-magnitude heatmap and value-gap bars. Steps are drawn on one global axis across phases
/// (<see cref="Trajectory.GlobalOffset"/>), with a dashed line and a label where each phase starts.
/// </summary>
public static class DriftCharts
{
    /// <summary>
    /// One line per stance: p_s against the global step for one topic, over all phases, with the 95%
    /// <see cref="ConfidenceBand"/> shaded when <paramref name="bands"/> is set.
    /// </summary>
    public static PlotlyFigure StanceOverSteps(Trajectory trajectory, string topic, bool bands = true, int seed = 0)
    {
        var points = GlobalPoints(trajectory, topic);
        var traces = new List<Trace>();
        foreach (var s in StanceLabels.All)
        {
            var x = points.Select(p => p.GlobalStep).ToArray();
            if (bands)
            {
                var b = points.Select(p => ConfidenceBand.At(p.Point, s, seed, 400)).ToArray();
                traces.Add(new Scatter
                {
                    x = x, y = b.Select(v => v.Upper).ToArray(), mode = "lines", line = new Line { width = 0 },
                    showlegend = false, hoverinfo = "skip", legendgroup = s.Label(), name = s.Label() + " 95% upper",
                });
                traces.Add(new Scatter
                {
                    x = x, y = b.Select(v => v.Lower).ToArray(), mode = "lines", line = new Line { width = 0 },
                    fill = "tonexty", fillcolor = StanceColors.Translucent(s), showlegend = false, hoverinfo = "skip",
                    legendgroup = s.Label(), name = s.Label() + " 95% lower",
                });
            }
            traces.Add(new Scatter
            {
                x = x, y = points.Select(p => p.Point[s]).ToArray(), mode = "lines+markers", name = s.Label(),
                legendgroup = s.Label(), line = new Line { color = StanceColors.Of(s), width = 2 },
                text = points.Select(p => $"{p.Phase} step {p.Point.Step}").ToArray(),
            });
        }
        var layout = new Layout.Layout
        {
            xaxis = new Xaxis { title = "training step (all phases)" },
            yaxis = new Yaxis { title = "p(stance)", range = new[] { 0.0, 1.0 } },
            shapes = PhaseBoundaries(trajectory),
            annotations = PhaseLabels(trajectory),
            margin = new Margin { t = 80 },
        };
        return new PlotlyFigure($"Stance probability over training: {topic}", traces, layout);
    }

    /// <summary>Stacked stance shares (support, neutral, oppose sum to 1) against the global step for one topic.</summary>
    public static PlotlyFigure StackedShares(Trajectory trajectory, string topic)
    {
        var points = GlobalPoints(trajectory, topic);
        var traces = StanceLabels.All.Select(s => (Trace)new Scatter
        {
            x = points.Select(p => p.GlobalStep).ToArray(),
            y = points.Select(p => p.Point[s]).ToArray(),
            mode = "lines", stackgroup = "shares", name = s.Label(),
            line = new Line { color = StanceColors.Of(s), width = 1 }, fillcolor = StanceColors.Translucent(s, 0.6),
        }).ToList();
        var layout = new Layout.Layout
        {
            xaxis = new Xaxis { title = "training step (all phases)" },
            yaxis = new Yaxis { title = "share", range = new[] { 0.0, 1.0 } },
            shapes = PhaseBoundaries(trajectory),
            annotations = PhaseLabels(trajectory),
            margin = new Margin { t = 80 },
        };
        return new PlotlyFigure($"Stance shares over training: {topic}", traces, layout);
    }

    /// <summary>Drift magnitude of one stance, topic (rows) × phase (columns), on a diverging scale centred on 0.</summary>
    public static PlotlyFigure MagnitudeHeatmap(DriftTable table, Stance stance)
    {
        var rows = table.Rows.Where(r => r.Stance == stance).ToList();
        var phases = rows.Select(r => r.Phase).Distinct().ToArray();
        var topics = rows.Select(r => r.Topic).Distinct().ToArray();
        var z = topics.Select(t => phases.Select(p => rows.FirstOrDefault(r => r.Topic == t && r.Phase == p)?.Magnitude is { } m ? (object)m : null).ToArray()).ToArray();
        var text = topics.Select(t => phases.Select(p => rows.FirstOrDefault(r => r.Topic == t && r.Phase == p) is { } r
            ? FormattableString.Invariant($"M = {r.Magnitude:+0.000;-0.000;0.000}, drift time {(double.IsNaN(r.DriftTime) ? "n/a" : r.DriftTime.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture))}")
            : "").ToArray()).ToArray();
        var limit = Math.Max(0.05, rows.Count == 0 ? 0 : rows.Max(r => Math.Abs(r.Magnitude)));
        var heat = new Heatmap
        {
            z = z, x = phases, y = topics, text = text, zmin = -limit, zmax = limit, colorscale = "RdBu",
            colorbar = new Colorbar { title = "M" },
        };
        var layout = new Layout.Layout
        {
            xaxis = new Xaxis { title = "phase" },
            yaxis = new Yaxis { title = "topic" },
            margin = new Margin { l = 140 },
        };
        return new PlotlyFigure($"Drift magnitude of '{stance.Label()}' (end − start of phase)", [heat], layout) { Height = Math.Max(350, 60 + 32 * topics.Length) };
    }

    /// <summary>Value gap per topic: grouped bars of Δ_s = p_s(chosen) − p_s(rejected), the TV distance in the labels.</summary>
    public static PlotlyFigure ValueGapBars(IReadOnlyList<ValueGap> gaps)
    {
        var labels = gaps.Select(g => FormattableString.Invariant($"{g.Topic} (TV {g.TotalVariation:0.00})")).ToArray();
        var traces = StanceLabels.All.Select(s => (Trace)new Bar
        {
            x = labels, y = gaps.Select(g => g.Difference(s)).ToArray(), name = s.Label(),
            marker = new Marker { color = StanceColors.Of(s) },
        }).ToList();
        var layout = new Layout.Layout
        {
            barmode = "group",
            xaxis = new Xaxis { title = "topic" },
            yaxis = new Yaxis { title = "p(chosen) − p(rejected)" },
        };
        return new PlotlyFigure("Value gap of the preference data (chosen − rejected)", traces, layout);
    }

    private sealed record GlobalPoint(string Phase, int GlobalStep, TrajectoryPoint Point);

    private static List<GlobalPoint> GlobalPoints(Trajectory trajectory, string topic) =>
        trajectory.Phases.SelectMany(phase =>
        {
            var offset = trajectory.GlobalOffset(phase);
            return trajectory.Series(phase, topic).Select(p => new GlobalPoint(phase, p.Step + offset, p));
        }).ToList();

    private static Shape[] PhaseBoundaries(Trajectory trajectory) =>
        trajectory.Phases.Skip(1).Select(phase => new Shape
        {
            type = "line", xref = "x", yref = "paper",
            x0 = trajectory.StepRange(phase).First + trajectory.GlobalOffset(phase),
            x1 = trajectory.StepRange(phase).First + trajectory.GlobalOffset(phase),
            y0 = 0, y1 = 1, line = new Line { color = "#444", width = 1, dash = "dash" },
        }).ToArray();

    private static Annotation[] PhaseLabels(Trajectory trajectory) =>
        trajectory.Phases.Select(phase => new Annotation
        {
            text = $"<b>{System.Net.WebUtility.HtmlEncode(phase)}</b>", xref = "x", yref = "paper",
            x = trajectory.StepRange(phase).First + trajectory.GlobalOffset(phase), y = 1.02,
            xanchor = "left", yanchor = "bottom", showarrow = false,
        }).ToArray();
}
