using System.Globalization;
using System.Text.Json.Nodes;
using ValueDrift.Drift;
using ValueDrift.Experiments;
using ValueDrift.Probes;
using XPlot.Plotly;

namespace ValueDrift.Reporting;

/// <summary>
/// A sweep's report, report.html beside its merged trace: per algorithm label and swept setting, the drift magnitude
/// M (phase end − start, all answers, averaged over topics) of each stance against the setting's values, mean and 95%
/// t-interval across seeds; M against the divergence from the start checkpoint when trace lines carry
/// <c>kl_from_start</c> (said to be absent otherwise); the same among stance-taking answers; every algorithm at
/// matched divergence (M against KL from the start, one series per algorithm, and M per nat with its interval:
/// <see cref="MatchedDivergence"/>); and a table of every variant.
/// </summary>
public static class SweepReport
{
    /// <summary>One variant's M per stance (topic mean) and its divergence at the last step, when the trace has it.</summary>
    public sealed record PointDrift(SweepPoint Point, IReadOnlyDictionary<Stance, double> M, double? KlFromStart)
    {
        /// <summary>M among stance-taking answers (<see cref="StancedMagnitude"/>, topic mean); null where a topic has no stanced detail.</summary>
        public IReadOnlyDictionary<Stance, double?> MStanced { get; init; } = new Dictionary<Stance, double?>();
    }

    /// <summary>Writes report.html into the sweep folder; returns its path.</summary>
    public static string Write(SweepResult result, HtmlReportOptions? options = null)
    {
        var report = new HtmlReport("Sweep: drift magnitude against settings");
        report.AddParagraph($"{result.Plan.Points.Count} variants from {string.Join(", ", result.Plan.Start.Stages.Select(s => s.Stage.Name))}; " +
            "M = p(end) − p(start) of the variant's phase, all answers, averaged over topics; bars: 95% t-interval across seeds.");
        Section(report, Measure(result.TracePath, result.Plan.Points), "generation probe");
        if (result.LikelihoodTracePath is { } likelihood) Section(report, Measure(likelihood, result.Plan.Points), "likelihood probe");
        var path = Path.Combine(result.Root, "report.html");
        report.Save(path, options);
        return path;
    }

    private static void Section(HtmlReport report, IReadOnlyList<PointDrift> drifts, string probe)
    {
        report.AddHeading($"The {probe}");
        foreach (var label in drifts.Select(d => d.Point.Label).Distinct())
        {
            var mine = drifts.Where(d => d.Point.Label == label).ToList();
            report.AddHeading($"{label} ({probe})", 3);
            foreach (var key in mine[0].Point.Settings.Select(s => s.Key))
                report.AddFigure(AgainstSetting(label, key, mine));
            if (mine.All(d => StanceLabels.All.All(s => d.MStanced.GetValueOrDefault(s) is not null)))
                foreach (var key in mine[0].Point.Settings.Select(s => s.Key))
                    report.AddFigure(AgainstSetting(label, key, mine, stanced: true));
            if (mine.All(d => d.KlFromStart is not null)) report.AddFigure(AgainstDivergence(label, mine));
        }
        if (drifts.Any(d => d.KlFromStart is null))
            report.AddParagraph("M against divergence from the start checkpoint: absent — the trace's lines carry no kl_from_start.");
        else MatchedDivergenceSection(report, drifts, probe);
        report.AddTable(["variant", "settings", "seed", .. StanceLabels.All.Select(s => $"M {s.Label()}"), .. StanceLabels.All.Select(s => $"M stanced {s.Label()}"), "kl_from_start"],
            drifts.Select(d => (IReadOnlyList<string>)[d.Point.Name, string.Join(", ", d.Point.Settings.Select(s => $"{s.Key}={s.Value}")), (d.Point.SeedIndex + 1).ToString(CultureInfo.InvariantCulture),
                .. StanceLabels.All.Select(s => d.M[s].ToString("+0.000;−0.000;0.000", CultureInfo.InvariantCulture)),
                .. StanceLabels.All.Select(s => d.MStanced.GetValueOrDefault(s)?.ToString("+0.000;−0.000;0.000", CultureInfo.InvariantCulture) ?? "—"),
                d.KlFromStart?.ToString("0.0000", CultureInfo.InvariantCulture) ?? "—"]));
    }

    /// <summary>
    /// Every algorithm at matched divergence: per stance, M against KL from the start with one series per algorithm,
    /// and a table of M per nat (<see cref="MatchedDivergence"/>) with its interval. Methods whose variants reach the
    /// same KL compare there; a method that moves a stance more per nat of divergence is the stronger mover of it.
    /// </summary>
    private static void MatchedDivergenceSection(HtmlReport report, IReadOnlyList<PointDrift> drifts, string probe)
    {
        var labels = drifts.Select(d => d.Point.Label).Distinct().ToList();
        report.AddHeading($"All algorithms at matched divergence ({probe})", 3);
        report.AddParagraph("Each marker is one variant (setting × seed): its M against its KL from the start checkpoint at the phase end, " +
            "nats per answer. Between methods, compare markers at the same KL; the table gives M per nat, the least-squares slope through " +
            "the origin (no divergence, no drift), with its 95% t-interval over the method's variants.");
        foreach (var stance in StanceLabels.All)
        {
            var traces = labels.Select(label => (Trace)new Scatter
            {
                x = drifts.Where(d => d.Point.Label == label).Select(d => d.KlFromStart!.Value).ToArray(),
                y = drifts.Where(d => d.Point.Label == label).Select(d => d.M[stance]).ToArray(),
                mode = "markers", name = label, text = drifts.Where(d => d.Point.Label == label).Select(d => d.Point.Name).ToArray(),
            }).ToList();
            var layout = new PlotlyLayout();
            layout.Axis("xaxis")["title"] = new JsonObject { ["text"] = "KL from the start checkpoint (phase end, nats per answer)" };
            layout.Axis("yaxis")["title"] = new JsonObject { ["text"] = $"M {stance.Label()} (all answers)" };
            report.AddFigure(new PlotlyFigure($"M {stance.Label()} against divergence, every algorithm", traces, layout));
        }
        string F(double x) => x.ToString("+0.000;−0.000;0.000", CultureInfo.InvariantCulture);
        report.AddTable(["algorithm", "variants", "KL range", .. StanceLabels.All.Select(s => $"M {s.Label()} per nat [95%]")],
            labels.Select(label =>
            {
                var mine = drifts.Where(d => d.Point.Label == label).ToList();
                var kl = mine.Select(d => d.KlFromStart!.Value).ToList();
                return (IReadOnlyList<string>)[label, mine.Count.ToString(CultureInfo.InvariantCulture),
                    $"{kl.Min().ToString("0.00;−0.00;0.00", CultureInfo.InvariantCulture)}–{kl.Max().ToString("0.00;−0.00;0.00", CultureInfo.InvariantCulture)}",
                    .. StanceLabels.All.Select(s => MatchedDivergence.Of(kl, mine.Select(d => d.M[s]).ToList()) is { } slope
                        ? $"{F(slope.PerNat)} [{F(slope.Lower)}, {F(slope.Upper)}]" : "—")];
            }));
    }

    /// <summary>Every variant's M per stance from the trace, and its kl_from_start at the last step when the lines carry one.</summary>
    public static IReadOnlyList<PointDrift> Measure(string tracePath, IReadOnlyList<SweepPoint> points)
    {
        var trajectory = Trajectory.FromTrace(tracePath);
        var kl = KlAtEnd(tracePath);
        return points.Where(p => trajectory.Phases.Contains(p.Name)).Select(p =>
        {
            var topics = trajectory.TopicsIn(p.Name);
            var m = StanceLabels.All.ToDictionary(s => s, s => topics.Average(t => DriftMagnitude.Of(trajectory, p.Name, t, s)));
            var stanced = StanceLabels.All.ToDictionary(s => s, s =>
            {
                var perTopic = topics.Select(t => StancedMagnitude.ValueOf(trajectory.Series(p.Name, t), s, DriftEndpoint.PhaseEnd)).ToList();
                return perTopic.All(v => v is not null) ? perTopic.Average() : null;
            });
            return new PointDrift(p, m, kl.TryGetValue(p.Name, out var k) ? k : null) { MStanced = stanced };
        }).ToList();
    }

    /// <summary>Mean over topics of <c>kl_from_start</c> on each phase's last step, read from the raw lines (a field newer traces carry).</summary>
    private static Dictionary<string, double> KlAtEnd(string tracePath)
    {
        var last = new Dictionary<string, (int Step, List<double> Values)>();
        foreach (var line in File.ReadLines(tracePath))
        {
            if (line.Length == 0 || JsonNode.Parse(line) is not JsonObject o || o["kl_from_start"] is not JsonValue v || !v.TryGetValue(out double kl)) continue;
            var phase = (string)o["phase"]!;
            int step = (int)o["step"]!;
            if (!last.TryGetValue(phase, out var cur) || step > cur.Step) last[phase] = cur = (step, []);
            if (step == cur.Step) cur.Values.Add(kl);
        }
        return last.ToDictionary(kv => kv.Key, kv => kv.Value.Values.Average());
    }

    /// <summary>Mean and 95% t half-width of a sample (0 for one value).</summary>
    public static (double Mean, double HalfWidth) MeanInterval(IReadOnlyList<double> xs)
    {
        double mean = xs.Average();
        if (xs.Count < 2) return (mean, 0);
        double sd = Math.Sqrt(xs.Sum(x => (x - mean) * (x - mean)) / (xs.Count - 1));
        return (mean, StudentT.Quantile(0.975, xs.Count - 1) * sd / Math.Sqrt(xs.Count));
    }

    /// <summary>M of each stance against one setting's values (other settings of the label, when any, as separate lines).</summary>
    private static PlotlyFigure AgainstSetting(string label, string key, IReadOnlyList<PointDrift> drifts, bool stanced = false)
    {
        double M(PointDrift d, Stance s) => stanced ? d.MStanced[s]!.Value : d.M[s];
        var traces = new List<Trace>();
        string Others(SweepPoint p) => string.Join(", ", p.Settings.Where(s => s.Key != key).Select(s => $"{Sweep.ShortName(s.Key)}={s.Value}"));
        string ValueOf(SweepPoint p) => p.Settings.First(s => s.Key == key).Value;
        bool numeric = drifts.All(d => Sweep.Number(ValueOf(d.Point)) is not null);
        foreach (var stance in StanceLabels.All)
            foreach (var group in drifts.GroupBy(d => Others(d.Point)))
            {
                var byValue = group.GroupBy(d => ValueOf(d.Point)).ToList();
                if (numeric) byValue = byValue.OrderBy(g => Sweep.Number(g.Key)).ToList();
                var stats = byValue.Select(g => MeanInterval(g.Select(d => M(d, stance)).ToList())).ToList();
                traces.Add(new Scatter
                {
                    x = byValue.Select(g => numeric ? (object)Sweep.Number(g.Key)!.Value : g.Key).ToArray(), y = stats.Select(s => s.Mean).ToArray(),
                    error_y = new Error_y { type = "data", array = stats.Select(s => s.HalfWidth).ToArray(), visible = true },
                    mode = "lines+markers", name = group.Key.Length == 0 ? stance.Label() : $"{stance.Label()} ({group.Key})",
                    line = new Line { color = StanceColors.Of(stance) },
                });
            }
        var layout = new PlotlyLayout();
        layout.Axis("xaxis")["title"] = new JsonObject { ["text"] = key };
        // learning rates and the like span decades: a log axis when every value is positive and they span ≥ 10×
        var values = numeric ? drifts.Select(d => Sweep.Number(ValueOf(d.Point))!.Value).ToList() : [];
        if (numeric && values.All(v => v > 0) && values.Max() / values.Min() >= 10) layout.Axis("xaxis")["type"] = "log";
        layout.Axis("yaxis")["title"] = new JsonObject { ["text"] = stanced ? "M (stance-taking answers)" : "M (all answers)" };
        return new PlotlyFigure(stanced ? $"{label}: M among stance-taking answers against {key}" : $"{label}: M against {key}", traces, layout);
    }

    /// <summary>M of each stance against kl_from_start at the phase end, one marker per variant (the matched-divergence view).</summary>
    private static PlotlyFigure AgainstDivergence(string label, IReadOnlyList<PointDrift> drifts)
    {
        var traces = StanceLabels.All.Select(stance => (Trace)new Scatter
        {
            x = drifts.Select(d => d.KlFromStart!.Value).ToArray(), y = drifts.Select(d => d.M[stance]).ToArray(), mode = "markers",
            name = stance.Label(), text = drifts.Select(d => d.Point.Name).ToArray(), marker = new Marker { color = StanceColors.Of(stance) },
        }).ToList();
        var layout = new PlotlyLayout();
        layout.Axis("xaxis")["title"] = new JsonObject { ["text"] = "KL from the start checkpoint (phase end)" };
        layout.Axis("yaxis")["title"] = new JsonObject { ["text"] = "M (all answers)" };
        return new PlotlyFigure($"{label}: M against divergence", traces, layout);
    }
}
