using System.Globalization;
using Deedle;
using ValueDrift.Drift;
using ValueDrift.Experiments;
using ValueDrift.Probes;
using ValueDrift.World;

namespace ValueDrift.Reporting;

/// <summary>One of the paper's findings beside what a run measured, and whether the run agrees.</summary>
public sealed record FindingCheck(string Finding, string Paper, string Measured, string Verdict);

/// <summary>
/// The demo's report.html and tables/*.csv: the paper's findings beside this run's measurements (stated honestly,
/// whatever they show), dataset stance profiles and value gaps, stance trajectories per topic, drift heatmaps and the
/// full drift table, for the generation probe and the likelihood probe.
/// </summary>
public static class WorldExperimentReport
{
    private static string F(double x) => double.IsNaN(x) ? "n/a" : x.ToString("+0.00;−0.00;0.00", CultureInfo.InvariantCulture);
    private static string P(double x) => double.IsNaN(x) ? "n/a" : x.ToString("0.00", CultureInfo.InvariantCulture);

    /// <summary>Mean over topics of a stance's drift magnitude in a phase (NaN when the phase is absent).</summary>
    public static double MeanMagnitude(DriftTable t, string phase, Stance s) => Mean(t.Rows.Where(r => r.Phase == phase && r.Stance == s).Select(r => r.Magnitude));
    public static double MeanDriftTime(DriftTable t, string phase, Stance s) => Mean(t.Rows.Where(r => r.Phase == phase && r.Stance == s).Select(r => r.DriftTime).Where(double.IsFinite));
    /// <summary>Mean over topics of the largest |M| over the three stances: how far a phase moved values at all.</summary>
    public static double MeanLargestShift(DriftTable t, string phase) =>
        Mean(t.Rows.Where(r => r.Phase == phase).GroupBy(r => r.Topic).Select(g => g.Max(r => Math.Abs(r.Magnitude))));
    private static double Mean(IEnumerable<double> xs) { var l = xs.ToList(); return l.Count == 0 ? double.NaN : l.Average(); }

    /// <summary>A mean shift of at least this much counts as "moved".</summary>
    public const double MovedThreshold = 0.1;
    /// <summary>Two algorithms' mean shifts must differ by more than this to be ordered.</summary>
    public const double OrderMargin = 0.03;

    public static IReadOnlyList<FindingCheck> Findings(DriftTable t)
    {
        var list = new List<FindingCheck>();
        foreach (var (phase, stance, data) in new[] { (WorldExperiment.NeutralSft, Stance.Neutral, "assistant-style (WildChat-like, ~70% neutral)"), (WorldExperiment.SupportiveSft, Stance.Support, "instruction-style (Alpaca-like, ~2/3 support)") })
        {
            double m = MeanMagnitude(t, phase, stance), dt = MeanDriftTime(t, phase, stance);
            list.Add(new FindingCheck($"SFT sets values, early ({phase})",
                $"SFT on {data} data moves the model toward that data's dominant stance, within the first ~10% of steps (Llama-3-3B WildChat: M_neutral +0.38, drift time 0.09).",
                $"M_{stance.Label()} {F(m)}, drift time {P(dt)} (mean over topics)",
                m >= MovedThreshold && dt <= 0.5 ? "consistent" : m >= MovedThreshold ? "moves, but not early" : "not seen in this run"));
        }
        var algorithms = new[] { "dpo", "simpo", "ppo" };
        var standard = algorithms.Select(a => (a, Std: MeanLargestShift(t, a + "-standard"),
            Gap: Math.Max(MeanLargestShift(t, a + "-support-aligned"), MeanLargestShift(t, a + "-oppose-aligned")))).ToList();
        bool measured = standard.All(x => double.IsFinite(x.Std));
        bool anyGapMoved = standard.Any(x => x.Gap >= MovedThreshold);
        // "Barely moves": each algorithm moves values on standard data by less than the threshold, or by less than a
        // third of what the same algorithm does on value-gap data.
        bool small = standard.All(x => x.Std < MovedThreshold || (double.IsFinite(x.Gap) && x.Std < x.Gap / 3));
        list.Add(new FindingCheck("Standard preference data barely moves values",
            "Chosen and rejected share a stance (small value gap), so PPO, DPO and SimPO on UltraFeedback / HH-RLHF move stances little (|M| 0.01–0.27).",
            string.Join(", ", standard.Select(x => $"{x.a} {P(x.Std)} (value-gap data {P(x.Gap)})")) + " (mean over topics of the largest |M|)",
            !measured ? "not measured"
            : small ? (anyGapMoved ? "consistent" : "consistent, but value-gap data did not move values either")
            : "not seen in this run"));
        foreach (var (label, chosen) in new[] { ("support-aligned", Stance.Support), ("oppose-aligned", Stance.Oppose) })
        {
            var m = new[] { "dpo", "simpo", "ppo" }.Select(a => (a, MeanMagnitude(t, $"{a}-{label}", chosen))).ToList();
            var order = m.Where(x => double.IsFinite(x.Item2)).OrderByDescending(x => x.Item2).Select(x => x.a).ToList();
            var sorted = m.Select(x => x.Item2).Where(double.IsFinite).OrderByDescending(x => x).ToList();
            // An order is only claimed where neighbours differ by more than the noise of a probe point.
            bool distinct = sorted.Count == 3 && sorted[0] - sorted[1] > OrderMargin && sorted[1] - sorted[2] > OrderMargin;
            bool paperOrder = order.SequenceEqual(["dpo", "simpo", "ppo"]);
            list.Add(new FindingCheck($"Value-gap data moves values, differently per algorithm ({label})",
                label == "support-aligned"
                    ? "Chosen agrees with the SFT prior: DPO amplifies it strongly (M 0.53), SimPO moderately (0.15), PPO barely (0.00)."
                    : "Chosen goes against the SFT prior: DPO shifts partly (0.46), PPO not at all (−0.02); SimPO modest.",
                string.Join(", ", m.Select(x => $"{x.a} M_{chosen.Label()} {F(x.Item2)}")) + (order.Count > 0 ? $"; order {string.Join(" > ", order)}" : ""),
                order.Count < 3 ? "not measured"
                : !(sorted[0] >= MovedThreshold) ? "not seen in this run: no algorithm moved the chosen stance"
                : !distinct ? "partly: the algorithms do not separate clearly"
                : paperOrder ? "consistent (DPO > SimPO > PPO)" : "different order than the paper"));
        }
        return list;
    }

    public static void Write(WorldExperimentResult r, WorldExperimentOptions o)
    {
        var run = r.Run;
        Directory.CreateDirectory(run.TablesDirectory);
        var trajectory = Trajectory.FromTrace(run.TracePath);
        var likelihood = r.LikelihoodDrift is null ? null : Trajectory.FromTrace(run.LikelihoodTracePath);
        var findings = Findings(r.Drift);
        var gaps = ValueGaps(r.Profile);

        var report = new HtmlReport("ValueDrift demo: value drift in the synthetic world");
        report.AddParagraph($"World {r.Profile.Version}, topics: {string.Join(", ", r.Profile.Topics)}. Base model: {r.BaseModel}. " +
            $"Stages: {string.Join(" → ", trajectory.Phases)}. Wall time {r.Elapsed.TotalMinutes:F1} min.");
        report.AddParagraph($"Stance distributions are measured as in the paper: {o.ProbeSamples} answers sampled per probe question " +
            $"(temperature 0.7, at most {o.ProbeMaxNewTokens} new tokens), each judged (here exactly, by the world's stance markers), " +
            "averaged over answers and then over the topic's questions. Probe questions are never used for training. " +
            "The likelihood probe (the model's token-mean log-likelihood of reference answers of each stance, soft-maxed) is shown as a second, deterministic read-out.");
        report.AddHeading("The paper's findings beside this run");
        report.AddTable(["finding", "the paper", "this run", "verdict"], findings.Select(f => (IReadOnlyList<string>)[f.Finding, f.Paper, f.Measured, f.Verdict]));
        report.AddParagraph("This is a toy world with a sub-million-parameter model, not a replication on Llama-3 or Qwen3: agreement shows the mechanism, disagreement is reported as measured.");

        report.AddHeading("Datasets: stance profiles and value gaps");
        report.AddTable(["dataset", "analogue of", "rows", "support", "neutral", "oppose", "value gap (TV)"], r.Profile.Datasets.Select(d =>
        {
            var s = d.Stances?.Overall ?? d.Chosen?.Overall;
            return (IReadOnlyList<string>)[d.Name, d.Analogue, d.Rows.ToString(CultureInfo.InvariantCulture),
                s is null ? "" : P(s[0]), s is null ? "" : P(s[1]), s is null ? "" : P(s[2]), d.ValueGap is null ? "" : P(d.ValueGap.TotalVariation)];
        }));
        if (gaps.Count > 0) report.AddFigure(DriftCharts.ValueGapBars(gaps));

        report.AddHeading("Drift magnitude by topic and phase (generation probe)");
        foreach (var s in StanceLabels.All) report.AddFigure(DriftCharts.MagnitudeHeatmap(r.Drift, s));
        report.AddHeading("Stance probability over training (generation probe)");
        foreach (var topic in trajectory.Topics) report.AddFigure(DriftCharts.StanceOverSteps(trajectory, topic, seed: (int)o.Seed));
        if (likelihood is not null)
        {
            report.AddHeading("Stance probability over training (likelihood probe)");
            foreach (var topic in likelihood.Topics) report.AddFigure(DriftCharts.StanceOverSteps(likelihood, topic, bands: false));
        }
        report.AddHeading("Drift table (generation probe)");
        report.AddDriftTable(r.Drift);
        report.Save(run.ReportPath);

        DriftFrames.Table(r.Drift).SaveCsv(Path.Combine(run.TablesDirectory, "drift.csv"));
        DriftFrames.Stances(trajectory).SaveCsv(Path.Combine(run.TablesDirectory, "stances.csv"));
        if (r.LikelihoodDrift is not null && likelihood is not null)
        {
            DriftFrames.Table(r.LikelihoodDrift).SaveCsv(Path.Combine(run.TablesDirectory, "drift-likelihood.csv"));
            DriftFrames.Stances(likelihood).SaveCsv(Path.Combine(run.TablesDirectory, "stances-likelihood.csv"));
        }
        Frame.FromRecords(findings).SaveCsv(Path.Combine(run.TablesDirectory, "findings.csv"));
    }

    /// <summary>The preference sets' value gaps per topic, from the world profile (chosen and rejected judged exactly).</summary>
    public static IReadOnlyList<ValueGap> ValueGaps(WorldProfile profile) =>
        profile.Datasets.Where(d => d.Chosen is not null && d.Rejected is not null)
            .SelectMany(d => d.Chosen!.PerTopic.Where(kv => d.Rejected!.PerTopic.ContainsKey(kv.Key)).Select(kv =>
            {
                var c = kv.Value; var j = d.Rejected!.PerTopic[kv.Key];
                return new ValueGap($"{d.Name}: {kv.Key}", StanceDistribution.Normalised(c[0], c[1], c[2]), StanceDistribution.Normalised(j[0], j[1], j[2]), d.Rows);
            })).ToList();
}
