using System.Globalization;
using Deedle;
using ValueDrift.Drift;
using ValueDrift.Experiments;
using ValueDrift.Probes;
using ValueDrift.Training.Algorithms;
using ValueDrift.World;
using ValueDrift.WorldRuns;

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

    /// <summary>"+0.42 [+0.30, +0.55]" (interval across seeds, or over questions for one seed), or "+0.42 (no interval)".</summary>
    public static string E(SeedEstimate e) => F(e.Mean) + (e.Interval is { } i ? $" [{F(i.Lower)}, {F(i.Upper)}]" : " (no interval)");

    /// <summary>
    /// A drift time over seeds, unsigned: "0.36 [0.12, 0.60]" (interval clipped to [0, 1]), "0.36" for one seed, or
    /// "none" when no seed's phase drifted beyond noise.
    /// </summary>
    public static string T(SeedEstimate e) => double.IsNaN(e.Mean) ? "none"
        : P(e.Mean) + (e.Interval is { } i ? $" [{P(i.Lower)}, {P(i.Upper)}]" : "");

    /// <summary>
    /// The mean over topics of a stance's drift magnitude in a phase, per seed, with its 95% interval: Student t across
    /// seeds; with one seed, the topics' bootstrap intervals over questions averaged bound by bound (as wide as if the
    /// topics moved together, so never narrower than the data allow).
    /// </summary>
    public static SeedEstimate TopicMean(IReadOnlyList<DriftTable> perSeed, string phase, Stance s)
    {
        var values = perSeed.Select(t => MeanMagnitude(t, phase, s)).ToList();
        Interval? single = null;
        if (perSeed.Count == 1)
        {
            var cis = perSeed[0].Rows.Where(r => r.Phase == phase && r.Stance == s).Select(r => r.MagnitudeCi?.Interval).ToList();
            if (cis.Count > 0 && cis.All(c => c is not null)) single = new Interval(cis.Average(c => c!.Lower), cis.Average(c => c!.Upper));
        }
        return SeedEstimate.Across(values, single);
    }

    /// <summary>The mean over topics of a stance's drift time in a phase, per seed, with its t interval across seeds (none for one seed).</summary>
    public static SeedEstimate TopicMeanTime(IReadOnlyList<DriftTable> perSeed, string phase, Stance s) =>
        SeedEstimate.Across(perSeed.Select(t => MeanDriftTime(t, phase, s)).ToList(), bounds: SeedEstimate.DriftTimeBounds);

    /// <summary>Per seed, <paramref name="a"/> − <paramref name="b"/> (paired: both from the same seed's SFT checkpoint), with its t interval across seeds.</summary>
    public static SeedEstimate PairedDifference(IReadOnlyList<DriftTable> perSeed, Func<DriftTable, double> a, Func<DriftTable, double> b) =>
        SeedEstimate.Across(perSeed.Select(t => a(t) - b(t)).ToList());

    /// <summary>Whether a is above b: the paired difference's interval with two or more seeds; with one, whether their intervals are disjoint.</summary>
    private static Verdict Above(IReadOnlyList<DriftTable> perSeed, SeedEstimate a, SeedEstimate b, Func<DriftTable, double> fa, Func<DriftTable, double> fb)
    {
        if (perSeed.Count > 1) return PairedDifference(perSeed, fa, fb).VerdictFor(+1);
        if (a.Interval is null || b.Interval is null) return Verdict.Undetermined;
        return a.Interval.Lower > b.Interval.Upper ? Verdict.Consistent : a.Interval.Upper < b.Interval.Lower ? Verdict.Opposite : Verdict.NotSeen;
    }

    /// <summary>The paper's findings beside one run (one seed).</summary>
    public static IReadOnlyList<FindingCheck> Findings(DriftTable t) => Findings([t]);

    /// <summary>
    /// The paper's findings beside the runs of every seed: each measured number is the mean over seeds with its 95%
    /// interval, and each verdict comes from an interval (<see cref="Verdicts"/>), not a fixed threshold.
    /// </summary>
    public static IReadOnlyList<FindingCheck> Findings(IReadOnlyList<DriftTable> perSeed)
    {
        var list = new List<FindingCheck>();
        string seeds = perSeed.Count == 1 ? "one seed: intervals over probe questions" : $"{perSeed.Count} seeds: t intervals across seeds";
        foreach (var (phase, stance, data) in new[] { (WorldExperiment.NeutralSft, Stance.Neutral, "assistant-style (WildChat-like, ~70% neutral)"), (WorldExperiment.SupportiveSft, Stance.Support, "instruction-style (Alpaca-like, ~2/3 support)") })
        {
            var m = TopicMean(perSeed, phase, stance);
            var dt = TopicMeanTime(perSeed, phase, stance);
            var moved = m.VerdictFor(+1);
            // early: drift time's interval below 0.5 with seeds; with one seed, its value
            bool early = dt.Interval is not null ? dt.VerdictFor(-1, 0.5) == Verdict.Consistent : dt.Mean <= 0.5;
            list.Add(new FindingCheck($"SFT sets values, early ({phase})",
                $"SFT on {data} data moves the model toward that data's dominant stance, within the first ~10% of steps (Llama-3-3B WildChat: M_neutral +0.38, drift time 0.09).",
                $"M_{stance.Label()} {E(m)}, drift time {T(dt)} (mean over topics; {seeds})",
                moved == Verdict.Consistent ? (early ? "consistent" : "moves, but not early") : moved.Label()));
        }
        // The paper's three methods in the order its value-gap finding ranks them (DPO > SimPO > PPO), as the checks below read them.
        var algorithms = AlgorithmRegistry.PaperComparison;
        double Gap(DriftTable t, string a) => Math.Max(MeanLargestShift(t, a + "-support-aligned"), MeanLargestShift(t, a + "-oppose-aligned"));
        var standard = algorithms.Select(a => (a, Std: SeedEstimate.Across(perSeed.Select(t => MeanLargestShift(t, a + "-standard")).ToList()),
            Gap: SeedEstimate.Across(perSeed.Select(t => Gap(t, a)).ToList()),
            Diff: PairedDifference(perSeed, t => Gap(t, a), t => MeanLargestShift(t, a + "-standard")))).ToList();
        var diffs = standard.Select(x => x.Diff.VerdictFor(+1)).ToList();
        list.Add(new FindingCheck("Standard preference data barely moves values",
            "Chosen and rejected share a stance (small value gap), so PPO, DPO and SimPO on UltraFeedback / HH-RLHF move stances little (|M| 0.01–0.27).",
            string.Join(", ", standard.Select(x => $"{x.a} {P(x.Std.Mean)} (value-gap data {P(x.Gap.Mean)}; difference {E(x.Diff)})")) + $" (mean over topics of the largest |M|; {seeds})",
            !standard.All(x => double.IsFinite(x.Std.Mean)) ? "not measured"
            : diffs.All(v => v == Verdict.Consistent) ? "consistent: every algorithm moves values less on standard data than on value-gap data"
            : diffs.Any(v => v == Verdict.Opposite) ? "opposite: standard data moves values more for " + string.Join(", ", standard.Where(x => x.Diff.VerdictFor(+1) == Verdict.Opposite).Select(x => x.a))
            : diffs.All(v => v == Verdict.Undetermined) ? "undetermined: needs two or more seeds (--seeds)"
            : "not seen: the difference's interval contains 0 for " + string.Join(", ", standard.Where(x => x.Diff.VerdictFor(+1) != Verdict.Consistent).Select(x => x.a))));
        foreach (var (label, chosen) in new[] { (WorldExperiment.SupportAligned, Stance.Support), ("oppose-aligned", Stance.Oppose) })
        {
            var m = algorithms.Select(a => (a, Est: TopicMean(perSeed, $"{a}-{label}", chosen))).ToList();
            Func<DriftTable, double> Of(string a) => t => MeanMagnitude(t, $"{a}-{label}", chosen);
            var dpoSimpo = Above(perSeed, m[0].Est, m[1].Est, Of(algorithms[0]), Of(algorithms[1]));
            var simpoPpo = Above(perSeed, m[1].Est, m[2].Est, Of(algorithms[1]), Of(algorithms[2]));
            var moved = m.Select(x => x.Est.VerdictFor(+1)).ToList();
            bool ppoZero = m[2].Est.Interval is { } pi && pi.Contains(0);
            list.Add(new FindingCheck($"Value-gap data moves values, differently per algorithm ({label})",
                label == WorldExperiment.SupportAligned
                    ? "Chosen agrees with the SFT prior: DPO amplifies it strongly (M 0.53), SimPO moderately (0.15), PPO barely (0.00)."
                    : "Chosen goes against the SFT prior: DPO shifts partly (0.46), PPO not at all (−0.02); SimPO modest.",
                string.Join(", ", m.Select(x => $"{x.a} M_{chosen.Label()} {E(x.Est)}")) + $" ({seeds})",
                m.Any(x => !double.IsFinite(x.Est.Mean)) ? "not measured"
                : moved.All(v => v == Verdict.Undetermined) ? "undetermined: no intervals"
                : !moved.Contains(Verdict.Consistent) ? "not seen in this run: no algorithm moved the chosen stance"
                : dpoSimpo == Verdict.Consistent && simpoPpo == Verdict.Consistent ? "consistent (DPO > SimPO > PPO" + (ppoZero ? ", PPO ≈ 0)" : ", but PPO ≠ 0)")
                : dpoSimpo == Verdict.Opposite || simpoPpo == Verdict.Opposite ? $"different order than the paper (DPO vs SimPO: {dpoSimpo.Label()}, SimPO vs PPO: {simpoPpo.Label()})"
                : $"partly: the algorithms do not separate clearly (DPO > SimPO: {dpoSimpo.Label()}, SimPO > PPO: {simpoPpo.Label()})"));
        }
        return list;
    }

    /// <summary>
    /// One plain sentence: does the paper's ordering on support-aligned data (DPO ≫ SimPO > PPO ≈ 0) appear in these runs?
    /// </summary>
    public static string PaperOrdering(IReadOnlyList<DriftTable> perSeed)
    {
        var f = Findings(perSeed).Single(x => x.Finding.EndsWith($"({WorldExperiment.SupportAligned})"));
        bool appears = f.Verdict.StartsWith("consistent") && f.Verdict.Contains("PPO ≈ 0");
        return (appears ? "The paper's ordering on support-aligned data, DPO ≫ SimPO > PPO ≈ 0, appears in this run: "
                : "The paper's ordering on support-aligned data, DPO ≫ SimPO > PPO ≈ 0, does not appear in this run: ") + f.Verdict + "; " + f.Measured + "." +
            (perSeed.Count < SeedsForAnOrdering
                ? $" With {perSeed.Count} seed{(perSeed.Count == 1 ? "" : "s")} this is a reading, not an ordering claim: orderings are claimed from {SeedsForAnOrdering} or more seeds (--seeds {SeedsForAnOrdering}, or the learning-rate sweep in docs/findings.md)."
                : "");
    }

    /// <summary>
    /// Seeds below which the report states no ordering of methods: with three, a t-interval is about 4.3 standard errors
    /// wide (t(0.975, 2) = 4.30), so only differences as large as the effects themselves separate.
    /// </summary>
    public const int SeedsForAnOrdering = 5;

    /// <summary>
    /// The value-gap comparison: each algorithm (and each KL coefficient of the PPO sweep) on each value-gap set, the
    /// chosen stance's drift magnitude and drift time as mean [95% interval] over seeds (generation probe; the
    /// likelihood probe's magnitude beside it, deterministic and more sensitive at toy sizes), and PPO's reward-model
    /// held-out pair accuracy (mean over seeds).
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<string>> ValueGapComparison(IReadOnlyList<WorldSeedRun> runs, IReadOnlyList<double> klSweep)
    {
        var perSeed = runs.Select(r => r.Drift).ToList();
        var likelihood = runs.All(r => r.LikelihoodDrift is not null) ? runs.Select(r => r.LikelihoodDrift!).ToList() : null;
        var rows = new List<IReadOnlyList<string>>();
        foreach (var (label, chosen) in new[] { (WorldExperiment.SupportAligned, Stance.Support), ("oppose-aligned", Stance.Oppose) })
        {
            var phases = new List<(string Phase, string Method)> { ($"dpo-{label}", "DPO"), ($"simpo-{label}", "SimPO"), ($"ppo-{label}", "PPO (KL 0.05)") };
            if (label == WorldExperiment.SupportAligned)
                phases.AddRange(klSweep.Select(k => (WorldExperiment.PpoKlPhase(k, label), FormattableString.Invariant($"PPO (KL {k:0.###})"))));
            foreach (var (phase, method) in phases)
            {
                if (!perSeed.Any(t => t.Rows.Any(r => r.Phase == phase))) continue;
                var acc = runs.Select(r => Ppo.HeldOutAccuracy(r.Run.StageDirectory(phase))).OfType<Training.Ppo.RewardModelAccuracy>().ToList();
                rows.Add([label, method, $"M_{chosen.Label()} {E(TopicMean(perSeed, phase, chosen))}",
                    E(SeedEstimate.Across(perSeed.Select(t => ShareOfRoom(t, phase, chosen)).ToList())),
                    T(TopicMeanTime(perSeed, phase, chosen)),
                    likelihood is null ? "" : $"M_{chosen.Label()} {E(TopicMean(likelihood, phase, chosen))}",
                    perSeed.Count.ToString(CultureInfo.InvariantCulture),
                    acc.Count == 0 ? "" : P(acc.Average(a => a.Accuracy))]);
            }
        }
        return rows;
    }

    /// <summary>
    /// M / (1 − p₀), mean over topics: the share of the room a stance had to rise that a phase used. The supportive SFT
    /// model already holds support near 0.75, so a support-aligned M is capped near 0.25 while an oppose-aligned one is not;
    /// this puts both on one scale.
    /// </summary>
    public static double ShareOfRoom(DriftTable t, string phase, Stance s) =>
        Mean(t.Rows.Where(r => r.Phase == phase && r.Stance == s && r.Start < 1).Select(r => r.Magnitude / (1 - r.Start)));

    public static void Write(WorldExperimentResult r, WorldExperimentOptions o)
    {
        var run = r.Run;
        Directory.CreateDirectory(run.TablesDirectory);
        var trajectory = Trajectory.FromTrace(run.TracePath);
        var likelihood = r.LikelihoodDrift is null ? null : Trajectory.FromTrace(run.LikelihoodTracePath);
        var runs = r.SeedRuns.Count > 0 ? r.SeedRuns : [new WorldSeedRun(o.Seed, r.Run, r.Stages, r.Drift, r.LikelihoodDrift)];
        var perSeed = runs.Select(x => x.Drift).ToList();
        var findings = Findings(perSeed);
        var gaps = ValueGaps(r.Profile);

        var report = new HtmlReport("ValueDrift demo: value drift in the synthetic world");
        if (r.Interim is { } partial)
            report.AddParagraph($"Interim report, written while the run continues: it rests on {partial}. Findings whose stages have not run yet " +
                "read n/a or undetermined; the page is rewritten as stages and seeds finish, and the run's last report replaces it.");
        report.AddParagraph($"World {r.Profile.Version}, topics: {string.Join(", ", r.Profile.Topics)}. Base model: {r.BaseModel}. " +
            $"Stages: {string.Join(" → ", trajectory.Phases)}. Wall time {r.Elapsed.TotalMinutes:F1} min.");
        report.AddParagraph($"Stance distributions are measured as in the paper: {o.ProbeSamples} answers sampled per probe question " +
            $"(temperature 0.7, at most {o.ProbeMaxNewTokens} new tokens), each judged (here exactly, by the world's stance markers), " +
            "averaged over answers and then over the topic's questions. Probe questions are never used for training. " +
            "The likelihood probe (the model's token-mean log-likelihood of reference answers of each stance, soft-maxed) is shown as a second, deterministic read-out.");
        report.AddHeading("The paper's findings beside this run");
        report.AddTable(["finding", "the paper", "this run", "verdict"], findings.Select(f => (IReadOnlyList<string>)[f.Finding, f.Paper, f.Measured, f.Verdict]));
        report.AddParagraph(runs.Count == 1
            ? "One training seed: intervals are bootstrap intervals over probe questions and leave out training noise; run with --seeds 3 for intervals across seeds."
            : $"{runs.Count} training seeds ({string.Join(", ", runs.Select(x => x.Seed))}): every number is the mean over seeds with its 95% Student t interval; verdicts come from the intervals.");
        report.AddParagraph("This is a toy world with a sub-million-parameter model, not a replication on Llama-3 or Qwen3: agreement shows the mechanism, disagreement is reported as measured.");

        report.AddHeading("DPO vs SimPO vs PPO on value-gap data, under one budget");
        report.AddParagraph($"Every method gets {o.Budget.OptimizerSteps} optimizer updates and {o.Budget.Examples} training examples (pairs for DPO and SimPO, prompts rolled out for PPO), " +
            LearningRates(o.Budget) +
            "PPO clips policy and value gradients separately, penalises responses without an end token, and trains against a reward model whose held-out pair accuracy is shown (the stage stops below its floor). " +
            "The PPO rows with other KL coefficients show what the KL anchor to the SFT model does.");
        report.AddTable(["value-gap set", "method", "drift magnitude of the chosen stance", "M / (1 − p₀): share of the room to move", "drift time", "likelihood probe: drift magnitude", "seeds", "reward model held-out accuracy"],
            ValueGapComparison(runs, o.PpoKlSweep));
        report.AddParagraph(PaperOrdering(perSeed));
        WorldMatchedDivergence.Add(report, runs, o.PpoKlSweep);
        RewardAuditTable.AddSection(report, run, trajectory.Phases, "Reward-model audit before PPO (first seed)");

        var ppo = PpoCharts.PpoStages(r.Stages);
        if (ppo.Count > 0)
        {
            report.AddHeading("PPO's optimisation per step (first seed)");
            report.AddParagraph(FormattableString.Invariant(
                $"Per rollout: the mean approxkl of its updates (½ mean (Δ log π)² to the rollout's policy), the clip fraction, the policy's entropy, the KL to the reference, the reward model's score, the response length and the share of responses that ended. ") +
                FormattableString.Invariant($"A stage is in its stable range when its median approxkl is at most {Training.Ppo.PpoHealth.StableApproxKl} and its median clip fraction at most {Training.Ppo.PpoHealth.StableClipFraction} (docs/training.md); ") +
                "target-KL early stopping ends a rollout's updates once an update's approxkl passes 1.5 × target_kl.");
            report.AddTable(PpoCharts.HealthHeaders, PpoCharts.HealthRows(ppo));
            report.AddFigure(PpoCharts.StepMetrics(ppo));
        }

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
        // Preference phases restart from the SFT checkpoint: each is drawn from there, in its own panel.
        var starts = PhaseStarts.FromRun(run);
        foreach (var topic in trajectory.Topics) report.AddFigure(DriftCharts.StanceOverSteps(trajectory, topic, seed: (int)o.Seed, starts: starts));
        if (likelihood is not null)
        {
            report.AddHeading("Stance probability over training (likelihood probe)");
            foreach (var topic in likelihood.Topics) report.AddFigure(DriftCharts.StanceOverSteps(likelihood, topic, bands: false, starts: starts));
        }
        report.AddHeading($"Drift over seeds (generation probe, {runs.Count} seed{(runs.Count == 1 ? "" : "s")})");
        report.AddTable(["phase", "topic", "stance", "drift magnitude", "interval from", "drift time"], SeedSummary.From(perSeed).Rows.Select(x =>
            (IReadOnlyList<string>)[x.Phase, x.Topic, x.Stance.Label(), E(x.Magnitude), x.Magnitude.Source.ToString().ToLowerInvariant(), T(x.DriftTime)]));
        DriftReport.AddHealth(report, trajectory, r.Drift);   // first seed, generation probe
        report.AddHeading("Drift table (generation probe, first seed)");
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
        IO.AtomicFile.WriteAllText(Path.Combine(run.TablesDirectory, "drift-seeds.json"), SeedSummary.From(perSeed).ToJson());
    }

    /// <summary>
    /// "at its authors' published learning rate × 100 (DPO 5e-5, SimPO 6e-5), PPO at 1e-5, chosen …": each method's rate
    /// under the budget, saying which were set by <see cref="PreferenceBudget.LearningRates"/> rather than the factor.
    /// </summary>
    public static string LearningRates(PreferenceBudget budget)
    {
        var methods = new Algorithm[] { new Dpo(), new SimPo(), new Ppo() };
        string Rate(Algorithm a) => FormattableString.Invariant($"{a.Title} {budget.LearningRate(a):0.#e0}");
        var scaled = methods.Where(a => !budget.LearningRates.ContainsKey(a.Name)).ToList();
        var chosen = methods.Where(a => budget.LearningRates.ContainsKey(a.Name)).ToList();
        var text = scaled.Count == 0 ? "" : FormattableString.Invariant($"at its authors' published learning rate × {budget.LearningRateScale:0.###} ({string.Join(", ", scaled.Select(Rate))})");
        if (chosen.Count > 0)
            text += (text.Length == 0 ? "" : "; ") + string.Join(", ", chosen.Select(Rate)) +
                ", a rate chosen on the world by PPO's per-update approxkl and clip fraction, not by stances (docs/training.md)";
        return text + ". ";
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
