using System.Globalization;
using System.Text.Json.Nodes;
using ValueDrift.Drift;
using ValueDrift.Probes;
using ValueDrift.WorldRuns;
using XPlot.Plotly;

namespace ValueDrift.Reporting;

/// <summary>
/// The demo's value-gap comparison at matched divergence: every value-gap stage of every seed as one marker, the
/// chosen stance's drift magnitude M (mean over topics) against the policy's KL from its SFT start at the phase end
/// (mean over topics, nats per answer), and per method M per nat (<see cref="MatchedDivergence"/>) with its interval.
/// Equal budgets and near-equal learning rates do not give equal steps; comparing M at the same KL does not depend on
/// how far each method was allowed to move. PPO's KL-sweep stages are PPO markers at other divergences.
/// </summary>
public static class WorldMatchedDivergence
{
    /// <summary>One stage of one seed: its method, phase, seed, KL from start at the end and the chosen stance's M.</summary>
    public sealed record Point(string Method, string Phase, long Seed, double KlFromStart, double M);

    /// <summary>The value-gap stages of <paramref name="label"/> whose traces carry KL from start on their last step.</summary>
    public static IReadOnlyList<Point> Points(IReadOnlyList<WorldSeedRun> runs, string label, Stance chosen, IReadOnlyList<double> klSweep)
    {
        var phases = new List<(string Phase, string Method)> { ($"dpo-{label}", "DPO"), ($"simpo-{label}", "SimPO"), ($"ppo-{label}", "PPO") };
        if (label == WorldExperiment.SupportAligned) phases.AddRange(klSweep.Select(k => (WorldExperiment.PpoKlPhase(k, label), "PPO")));
        var points = new List<Point>();
        foreach (var run in runs)
        {
            var trajectory = Trajectory.FromTrace(run.Run.TracePath);
            foreach (var (phase, method) in phases.Where(p => trajectory.Phases.Contains(p.Phase)))
            {
                var kl = trajectory.TopicsIn(phase).Select(t => trajectory.Series(phase, t)[^1].KlFromStart).ToList();
                if (kl.Count == 0 || kl.Any(k => k is null)) continue;
                points.Add(new Point(method, phase, run.Seed, kl.Average(k => k!.Value), WorldExperimentReport.MeanMagnitude(run.Drift, phase, chosen)));
            }
        }
        return points;
    }

    /// <summary>A chart and a table per value-gap set; nothing when no stage carries KL from start.</summary>
    public static void Add(HtmlReport report, IReadOnlyList<WorldSeedRun> runs, IReadOnlyList<double> klSweep)
    {
        var sets = new[] { (Label: WorldExperiment.SupportAligned, Chosen: Stance.Support), (Label: "oppose-aligned", Chosen: Stance.Oppose) }
            .Select(s => (s.Label, s.Chosen, Points: Points(runs, s.Label, s.Chosen, klSweep))).Where(s => s.Points.Count > 0).ToList();
        if (sets.Count == 0) return;
        report.AddHeading("DPO vs SimPO vs PPO at matched divergence", 3);
        report.AddParagraph("Each marker is one stage of one seed: the chosen stance's drift magnitude against how far the policy moved from its SFT start " +
            "(KL from start at the phase end, nats per answer, on the probe questions). Compare methods at the same KL; the table gives M per nat, " +
            "the least-squares slope through the origin (no divergence, no drift) with its 95% t-interval over the method's markers. " +
            "PPO's markers include its KL-sweep stages.");
        string F(double x) => x.ToString("+0.000;−0.000;0.000", CultureInfo.InvariantCulture);
        string K(double x) => x.ToString("0.00", CultureInfo.InvariantCulture);
        var rows = new List<IReadOnlyList<string>>();
        foreach (var (label, chosen, points) in sets)
        {
            var methods = points.Select(p => p.Method).Distinct().ToList();
            var traces = methods.Select(m => (Trace)new Scatter
            {
                x = points.Where(p => p.Method == m).Select(p => p.KlFromStart).ToArray(),
                y = points.Where(p => p.Method == m).Select(p => p.M).ToArray(),
                mode = "markers", name = m, text = points.Where(p => p.Method == m).Select(p => $"{p.Phase}, seed {p.Seed}").ToArray(),
            }).ToList();
            var layout = new PlotlyLayout();
            layout.Axis("xaxis")["title"] = new JsonObject { ["text"] = "KL from the SFT start (phase end, nats per answer)" };
            layout.Axis("yaxis")["title"] = new JsonObject { ["text"] = $"M {chosen.Label()} (all answers)" };
            report.AddFigure(new PlotlyFigure($"{label}: M {chosen.Label()} against divergence", traces, layout));
            foreach (var m in methods)
            {
                var mine = points.Where(p => p.Method == m).ToList();
                var slope = MatchedDivergence.Of(mine.Select(p => p.KlFromStart).ToList(), mine.Select(p => p.M).ToList());
                rows.Add([label, m, mine.Count.ToString(CultureInfo.InvariantCulture), $"{K(mine.Min(p => p.KlFromStart))}–{K(mine.Max(p => p.KlFromStart))}",
                    slope is null ? "—" : $"{F(slope.PerNat)} [{F(slope.Lower)}, {F(slope.Upper)}]"]);
            }
        }
        report.AddTable(["value-gap set", "method", "markers", "KL range", "M of the chosen stance per nat [95%]"], rows);
    }
}
