using System.Globalization;
using ValueDrift.Drift;
using ValueDrift.Probes;
using XPlot.Plotly;

namespace ValueDrift.Reporting;

/// <summary>
/// Drift against divergence: how far values moved for how far the policy moved. Two stages with the same |M| may have
/// taken steps of very different size; this chart tells "same effect" from "same-sized step".
/// </summary>
public static class DivergenceCharts
{
    /// <summary>
    /// One marker per stage, topic and stance: |M| (the drift table's magnitude) against <c>kl_from_start</c> of the
    /// topic at the stage's last checkpoint; one colour per stage. Rows without a measured KL are left out (null when
    /// none has one).
    /// </summary>
    public static PlotlyFigure? DriftAgainstDivergence(DriftTable table, Trajectory trajectory)
    {
        var points = table.Rows.Select(r => (Row: r, Kl: HealthTable.KlAtEnd(trajectory, r))).Where(p => p.Kl is not null && p.Row.EndStep > p.Row.StartStep).ToList();
        if (points.Count == 0) return null;
        var symbols = new Dictionary<Stance, string> { [Stance.Support] = "circle", [Stance.Neutral] = "square", [Stance.Oppose] = "diamond" };
        var traces = points.GroupBy(p => p.Row.Phase).Select(g => (Trace)new Scatter
        {
            x = g.Select(p => p.Kl!.Value).ToArray(), y = g.Select(p => Math.Abs(p.Row.Magnitude)).ToArray(), mode = "markers", name = g.Key,
            marker = new Marker { size = 9, symbol = g.Select(p => symbols[p.Row.Stance]).ToArray() },
            text = g.Select(p => string.Create(CultureInfo.InvariantCulture,
                $"{g.Key}, {p.Row.Topic}, {p.Row.Stance.Label()}: M = {p.Row.Magnitude:+0.000;-0.000;0.000}, KL = {p.Kl:0.000} at step {p.Row.EndStep}")).ToArray(),
        }).ToList();
        var layout = new PlotlyLayout
        {
            xaxis = new Xaxis { title = "KL from the stage's start at its last checkpoint (nats per answer)", zeroline = true },
            yaxis = new Yaxis { title = "|M| (support ●, neutral ■, oppose ◆)", rangemode = "tozero" },
        }.AutoMargin("xaxis", "yaxis");
        return new PlotlyFigure("Drift against divergence, per stage", traces, layout) { Height = 420 };
    }
}
