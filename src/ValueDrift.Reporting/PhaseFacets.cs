using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using ValueDrift.Drift;

namespace ValueDrift.Reporting;

/// <summary>
/// Small multiples of a trajectory: one panel per phase on a shared p ∈ [0, 1] scale, in rows of up to four. A phase's
/// panel starts at its step 0, the checkpoint it was trained from; with <see cref="PhaseStarts"/> its steps are counted
/// from the base model (aligned starts), so preference phases that all restart from one SFT checkpoint begin at the
/// same step, where SFT ended, and the panel's caption names that checkpoint.
/// </summary>
public sealed class PhaseFacets
{
    private const int PanelHeight = 190, CaptionHeight = 38, XLabelHeight = 48, TopMargin = 90, BottomMargin = 40;

    /// <summary>One panel: the phase, its x and y axis ids ("x", "x2", …) and the offset added to its steps.</summary>
    public sealed record Panel(string Phase, string X, string Y, int Offset, string? From);

    public IReadOnlyList<Panel> Panels { get; }
    public int Columns { get; }
    public int Rows { get; }
    /// <summary>Height in pixels of the whole figure.</summary>
    public int Height => TopMargin + BottomMargin + Rows * (PanelHeight + CaptionHeight + XLabelHeight);

    public PhaseFacets(Trajectory trajectory, string topic, PhaseStarts? starts = null)
    {
        starts ??= PhaseStarts.Unknown;
        var phases = trajectory.Phases.Where(p => trajectory.Series(p, topic).Count > 0).ToList();
        // A one-point phase (the base model's single measurement) is every SFT panel's step 0: it gets no panel of its own.
        var drawn = phases.Where(p => trajectory.Series(p, topic).Count > 1).ToList();
        if (drawn.Count == 0) drawn = phases;
        Panels = drawn.Select((p, i) => new Panel(p, i == 0 ? "x" : $"x{i + 1}", i == 0 ? "y" : $"y{i + 1}",
            starts.Offset(trajectory, p), starts.From(p) is { } f && trajectory.Phases.Contains(f) ? f : null)).ToList();
        Columns = Math.Max(1, Math.Min(Panels.Count, Panels.Count <= 4 ? 2 : Panels.Count <= 6 ? 3 : 4));
        if (Panels.Count == 1) Columns = 1;
        Rows = Math.Max(1, (Panels.Count + Columns - 1) / Columns);
    }

    /// <summary>
    /// The layout: each panel's axes in its grid cell (y fixed to [0, 1], titled in the first column; x titled in the
    /// bottom panel of each column), a two-line caption above each panel (phase; the checkpoint it starts from), the
    /// legend above the panels, and automargin on every axis.
    /// </summary>
    public PlotlyLayout Layout(string yTitle, string xTitle, Trajectory trajectory)
    {
        var layout = new PlotlyLayout { margin = new XPlot.Plotly.Margin { t = TopMargin, b = BottomMargin, l = 70, r = 20 } };
        double plot = Height - TopMargin - BottomMargin;
        double cell = plot / Rows;
        var annotations = new JsonArray();
        for (int i = 0; i < Panels.Count; i++)
        {
            var p = Panels[i];
            int row = i / Columns, col = i % Columns;
            double top = 1 - (row * cell + CaptionHeight) / plot;
            double bottom = 1 - ((row + 1) * cell - XLabelHeight) / plot;
            const double gap = 0.05;
            double left = (double)col / Columns + (col == 0 ? 0 : gap / 2), right = (double)(col + 1) / Columns - (col == Columns - 1 ? 0 : gap / 2);
            bool lastInColumn = i + Columns >= Panels.Count;
            var x = layout.Axis(AxisName(p.X));
            x["domain"] = new JsonArray(left, right);
            x["anchor"] = p.Y;
            x["automargin"] = true;
            if (lastInColumn) x["title"] = new JsonObject { ["text"] = xTitle, ["standoff"] = 4 };
            var y = layout.Axis(AxisName(p.Y));
            y["domain"] = new JsonArray(Math.Max(0, bottom), Math.Min(1, top));
            y["anchor"] = p.X;
            y["range"] = new JsonArray(0.0, 1.0);
            y["tickvals"] = new JsonArray(0.0, 0.5, 1.0);
            y["automargin"] = true;
            if (col == 0) y["title"] = new JsonObject { ["text"] = yTitle, ["standoff"] = 6 };
            var (first, _) = trajectory.StepRange(p.Phase);
            string origin = p.From is { } f
                ? string.Create(CultureInfo.InvariantCulture, $"from {f} (step {first + p.Offset})")
                : p.Offset == 0 && first == 0 ? "from its start checkpoint" : "";
            annotations.Add(new JsonObject
            {
                ["text"] = $"<b>{WebUtility.HtmlEncode(p.Phase)}</b>" + (origin.Length == 0 ? "" : $"<br><span style=\"font-size:11px;color:#666\">{WebUtility.HtmlEncode(origin)}</span>"),
                ["xref"] = $"{p.X} domain", ["yref"] = $"{p.Y} domain", ["x"] = 0, ["y"] = 1, ["xanchor"] = "left", ["yanchor"] = "bottom",
                ["align"] = "left", ["showarrow"] = false, ["font"] = new JsonObject { ["size"] = 12 },
            });
        }
        layout.Overrides["annotations"] = annotations;
        layout.Overrides["legend"] = new JsonObject { ["orientation"] = "h", ["x"] = 1, ["xanchor"] = "right", ["y"] = 1 + 6.0 / plot, ["yanchor"] = "bottom" };
        return layout;
    }

    private static string AxisName(string id) => id[0] == 'x' ? "xaxis" + id[1..] : "yaxis" + id[1..];
}
