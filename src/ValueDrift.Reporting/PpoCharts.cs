using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using ValueDrift.Training.Ppo;
using XPlot.Plotly;

namespace ValueDrift.Reporting;

/// <summary>
/// PPO's optimisation per step, from metrics.jsonl: one panel per quantity (per-update approxkl with the stable range
/// drawn, clip fraction, entropy, KL to the reference, reward-model score, response length, stop rate), one line per
/// PPO stage. The demo's report draws every PPO stage together; a notebook's stage cell draws its own.
/// </summary>
public static class PpoCharts
{
    /// <summary>The panels: metric key (TRL's names), panel title. The stop rate is derived (<see cref="StopRate"/>).</summary>
    public static readonly IReadOnlyList<(string Key, string Title)> Panels =
    [
        (PpoHealth.ApproxKlKey, "approxkl per update (policy/approxkl_avg)"),
        (PpoHealth.ClipFractionKey, "clip fraction (policy/clipfrac_avg)"),
        ("policy/entropy_avg", "entropy per token (policy/entropy_avg)"),
        ("objective/kl", "KL to the reference (objective/kl)"),
        ("objective/scores", "reward-model score (objective/scores)"),
        ("response_length", "response length, tokens"),
        (StopRateKey, "stop rate (responses that ended)"),
    ];

    /// <summary>Name of the derived stop-rate series: val/num_eos_tokens over the prompts of the step.</summary>
    public const string StopRateKey = "stop_rate";

    private const int Columns = 2;
    private const int PanelHeight = 190;
    private static readonly string[] Palette = ["#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3"];

    /// <summary>
    /// The share of a step's responses that emitted a stop token: val/num_eos_tokens / prompts, the prompts of a step
    /// being the growth of <c>episode</c> (episode = (step + 1) × prompts). NaN when either is missing.
    /// </summary>
    public static double StopRate(IReadOnlyDictionary<string, double> metrics, int step) =>
        metrics.TryGetValue("val/num_eos_tokens", out var eos) && metrics.TryGetValue("episode", out var episode) && step > 0
            ? eos / (episode / step) : double.NaN;

    /// <summary>The figure for <paramref name="stages"/> (label and per-step metrics, steps numbered from 1 as metrics.jsonl has them).</summary>
    public static PlotlyFigure StepMetrics(IReadOnlyList<(string Label, IReadOnlyList<(int Step, IReadOnlyDictionary<string, double> Metrics)> History)> stages)
    {
        var traces = new List<Trace>();
        foreach (var ((label, history), s) in stages.Select((x, i) => (x, i)))
            foreach (var ((key, _), p) in Panels.Select((x, i) => (x, i)))
            {
                var x = history.Select(h => h.Step).ToArray();
                var y = history.Select(h => key == StopRateKey ? StopRate(h.Metrics, h.Step) : h.Metrics.GetValueOrDefault(key, double.NaN)).ToArray();
                traces.Add(new Scatter
                {
                    x = x, y = y, mode = "lines+markers", name = label, legendgroup = label, showlegend = p == 0,
                    xaxis = Axis('x', p), yaxis = Axis('y', p), line = new Line { color = Palette[s % Palette.Length], width = 2 }, marker = new Marker { size = 4 },
                });
            }
        int maxStep = stages.SelectMany(s => s.History).Select(h => h.Step).DefaultIfEmpty(1).Max();
        // The stable range of approxkl, as a dashed line across the first panel.
        traces.Add(new Scatter
        {
            x = new[] { 1, Math.Max(1, maxStep) }, y = new[] { PpoHealth.StableApproxKl, PpoHealth.StableApproxKl }, mode = "lines",
            name = string.Create(CultureInfo.InvariantCulture, $"stable range: approxkl ≤ {PpoHealth.StableApproxKl}"),
            xaxis = Axis('x', 0), yaxis = Axis('y', 0), line = new Line { color = "#888", width = 1, dash = "dash" },
        });
        return new PlotlyFigure("PPO's optimisation per step", traces, Layout()) { Height = Height };
    }

    /// <summary>
    /// The PPO stages among <paramref name="stages"/> with their per-step metrics (in memory, or from the stage's
    /// metrics.jsonl for a stage read back complete).
    /// </summary>
    public static IReadOnlyList<(string Label, IReadOnlyList<(int Step, IReadOnlyDictionary<string, double> Metrics)> History)> PpoStages(IEnumerable<Experiments.StageResult> stages) =>
        stages.Select(r => (r.Stage.Name, r.Metrics.Count > 0 ? r.Metrics
                : File.Exists(Path.Combine(r.Directory, "metrics.jsonl")) ? PpoHealth.ReadMetrics(Path.Combine(r.Directory, "metrics.jsonl")) : []))
            .Where(x => PpoHealth.From(x.Item2) is not null).ToList();   // the stages whose metrics hold PPO steps

    /// <summary>One table row per PPO stage: its <see cref="PpoHealth"/> (medians, early stopping, the stable-range verdict).</summary>
    public static IReadOnlyList<IReadOnlyList<string>> HealthRows(IEnumerable<(string Label, IReadOnlyList<(int Step, IReadOnlyDictionary<string, double> Metrics)> History)> stages) =>
        stages.Select(x => (x.Label, Health: PpoHealth.From(x.History))).Where(x => x.Health is not null).Select(x =>
        {
            var h = x.Health!;
            string F(double v, string format) => double.IsNaN(v) ? "n/a" : v.ToString(format, CultureInfo.InvariantCulture);
            return (IReadOnlyList<string>)[x.Label, F(h.MedianApproxKl, "0.000"), F(h.MaxApproxKl, "0.000"), F(h.MedianClipFraction, "0.00"),
                F(h.MeanUpdates, "0.0"), $"{h.EarlyStopped}/{h.Steps}", h.Stable ? "stable" : "OUTSIDE the stable range"];
        }).ToList();

    /// <summary>Headers of <see cref="HealthRows"/>.</summary>
    public static readonly IReadOnlyList<string> HealthHeaders =
        ["PPO stage", "median approxkl", "max approxkl", "median clip fraction", "updates per rollout", "rollouts stopped early", "verdict"];

    private static int Rows => (Panels.Count + Columns - 1) / Columns;
    private static int Height => Rows * PanelHeight + 90;

    private static string Axis(char letter, int panel) => panel == 0 ? letter.ToString() : $"{letter}{panel + 1}";

    private static PlotlyLayout Layout()
    {
        const int top = 60, bottom = 30;
        var layout = new PlotlyLayout { margin = new Margin { t = top, b = bottom, l = 60, r = 20 } };
        double plot = Height - top - bottom, cell = plot / Rows;
        var annotations = new JsonArray();
        for (int i = 0; i < Panels.Count; i++)
        {
            int row = i / Columns, col = i % Columns;
            double upper = 1 - (row * cell + 22) / plot, lower = 1 - ((row + 1) * cell - 22) / plot;
            const double gap = 0.08;
            double left = (double)col / Columns + (col == 0 ? 0 : gap / 2), right = (double)(col + 1) / Columns - (col == Columns - 1 ? 0 : gap / 2);
            var x = layout.Axis(i == 0 ? "xaxis" : $"xaxis{i + 1}");
            x["domain"] = new JsonArray(left, right);
            x["anchor"] = Axis('y', i);
            x["automargin"] = true;
            if (i + Columns >= Panels.Count) x["title"] = new JsonObject { ["text"] = "step (rollout)", ["standoff"] = 4 };
            var y = layout.Axis(i == 0 ? "yaxis" : $"yaxis{i + 1}");
            y["domain"] = new JsonArray(Math.Max(0, lower), Math.Min(1, upper));
            y["anchor"] = Axis('x', i);
            y["automargin"] = true;
            y["rangemode"] = "tozero";
            annotations.Add(new JsonObject
            {
                ["text"] = $"<b>{WebUtility.HtmlEncode(Panels[i].Title)}</b>", ["xref"] = $"{Axis('x', i)} domain", ["yref"] = $"{Axis('y', i)} domain",
                ["x"] = 0, ["y"] = 1, ["xanchor"] = "left", ["yanchor"] = "bottom", ["showarrow"] = false, ["font"] = new JsonObject { ["size"] = 12 },
            });
        }
        layout.Overrides["annotations"] = annotations;
        layout.Overrides["legend"] = new JsonObject { ["orientation"] = "h", ["x"] = 1, ["xanchor"] = "right", ["y"] = 1 + 10.0 / plot, ["yanchor"] = "bottom" };
        return layout;
    }
}
