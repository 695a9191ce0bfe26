using ValueDrift.Common;
using ValueDrift.Drift;
using ValueDrift.Errors;
using ValueDrift.Experiments;
using ValueDrift.Models;
using ValueDrift.Probes;

namespace ValueDrift.Attribution;

/// <summary>
/// Drift magnitudes over seeds: the full stage, the stage without its top-attributed fraction, (the control) without a
/// random fraction of the same size, and (the baseline that needs no attribution) without as many rows drawn from
/// those labelled with the attributed topic and stance. |M| is the topic's drift magnitude M = p_s(end) − p_s(start)
/// of the attributed stance under the likelihood probe. A cut is how much a removal reduced |M|, per seed:
/// |M_full(k)| − |M_arm(k)|, seed k training every arm with the same seed, so the differences between arms are
/// paired by seed. The top arm removes the examples that pushed along the full stage's drift (highest scores when the
/// stance rose, lowest when it fell).
/// </summary>
public sealed record AblationResult(double Fraction, int Removed, int Examples, int Seeds,
    SeedEstimate FullMagnitude, SeedEstimate TopRemovedMagnitude, SeedEstimate RandomRemovedMagnitude)
{
    /// <summary>Without as many rows labelled with the attributed topic and stance (null: no labels).</summary>
    public SeedEstimate? LabelRemovedMagnitude { get; init; }
    /// <summary>Rows carrying the attributed topic and stance, and how many of them the label arm removed.</summary>
    public int LabelRows { get; init; }
    public int LabelRemoved { get; init; }

    /// <summary>
    /// The same arms (the same retrained checkpoints) read with the generation-probe surrogate instead of the
    /// likelihood probe (<see cref="Attribution.GenerationSurrogate"/>: M of p_s on the start model's own judged answers);
    /// its check and paired intervals are computed alike. Null when not asked for.
    /// </summary>
    public AblationResult? GenerationSurrogate { get; init; }
    /// <summary>The surrogate's start answers per judged stance, and those left out (no stance, or tied).</summary>
    public IReadOnlyDictionary<Stance, int>? SurrogateAnswers { get; init; }
    public int SurrogateLeftOut { get; init; }

    public double TopCut => Math.Abs(FullMagnitude.Mean) - Math.Abs(TopRemovedMagnitude.Mean);
    public double RandomCut => Math.Abs(FullMagnitude.Mean) - Math.Abs(RandomRemovedMagnitude.Mean);
    public double LabelCut => LabelRemovedMagnitude is { } l ? Math.Abs(FullMagnitude.Mean) - Math.Abs(l.Mean) : double.NaN;

    /// <summary>Top cut − random cut per seed, with its Student t interval across seeds (paired by seed).</summary>
    public SeedEstimate TopMinusRandom => Paired(TopRemovedMagnitude, RandomRemovedMagnitude);
    /// <summary>Top cut − label cut per seed, with its interval (null without the label arm).</summary>
    public SeedEstimate? TopMinusLabel => LabelRemovedMagnitude is { } l ? Paired(TopRemovedMagnitude, l) : null;

    /// <summary>
    /// (|M_full(k)| − |M_a(k)|) − (|M_full(k)| − |M_b(k)|) = |M_b(k)| − |M_a(k)| per seed k, across seeds.
    /// </summary>
    private SeedEstimate Paired(SeedEstimate a, SeedEstimate b) =>
        SeedEstimate.Across(a.PerSeed.Zip(b.PerSeed, (x, y) => Math.Abs(y) - Math.Abs(x)).ToList());

    /// <summary>The older point check: removing the top cuts |M| by at least twice what removing random examples does (no interval).</summary>
    public bool TopCutsTwiceRandom => TopCut > 0 && TopCut >= 2 * Math.Max(0, RandomCut);

    /// <summary>
    /// The check: the full drift is told apart from none, and the interval across seeds of top cut − random cut lies
    /// above 0. It needs two or more seeds (one seed has no interval across seeds) and can fail: a top arm that cuts
    /// no more than chance does, or a drift that is noise, does not pass.
    /// </summary>
    public bool TopBeatsRandom => FullDriftExcludesZero && TopMinusRandom is { Source: IntervalSource.Seeds, Interval: { Lower: > 0 } };

    /// <summary>Whether the top arm also beats removing rows by their label (null without the label arm).</summary>
    public bool? TopBeatsLabel => TopMinusLabel is { } d ? d is { Source: IntervalSource.Seeds, Interval: { Lower: > 0 } } : null;

    /// <summary>
    /// Whether the full stage's drift is told apart from no drift (its interval across seeds excludes 0). When it is
    /// not, there is no drift to undo and the arms' cuts are noise, whichever way they come out.
    /// </summary>
    public bool FullDriftExcludesZero => FullMagnitude.Interval is { } i && (i.Lower > 0 || i.Upper < 0);
}

/// <summary>
/// Validates an attribution by retraining: the stage from the same start without the top fraction F of its examples
/// by score, without a random fraction F, and (given labels) without as many rows carrying the attributed topic and
/// stance, for seeds 1..N (seed 1 trains with the stage's own seed, seed k with
/// the stage's seed + k − 1; the random subset is drawn with seed k), each re-measured with the likelihood probe. The
/// filtered data files go under the attribution folder's data/, the retrained stages run through
/// <see cref="StageRunner"/> in its stages/ folder ("&lt;stage&gt;.ablate-top-0.1.s1", "…ablate-random-0.1.s1",
/// "…full.s2"), so finished ones are reused.
/// </summary>
public static class Ablation
{
    /// <summary>Seeds per arm: five, so the paired intervals across seeds have four degrees of freedom.</summary>
    public const int DefaultSeeds = 5;

    /// <summary>Refuses a fraction outside (0, 0.5] (more than half would leave a different dataset, not an ablation).</summary>
    public static void CheckFraction(double fraction)
    {
        if (!(fraction > 0 && fraction <= 0.5))
            throw new ConfigException("attribution", "ablate", $"fraction must be in (0, 0.5], got {fraction}");
    }

    public static void CheckSeeds(int seeds)
    {
        if (seeds < 1) throw new ConfigException("attribution", "seeds", $"must be ≥ 1, got {seeds}");
    }

    /// <summary>Indices removed by each arm: the top ⌈F·N⌉ by score, or as many drawn at random with <paramref name="seed"/>.</summary>
    public static int RemovedCount(double fraction, int examples) => Math.Max(1, (int)Math.Round(fraction * examples));

    public static IReadOnlyList<int> RandomSubset(int examples, int count, int seed)
    {
        var order = Enumerable.Range(0, examples).ToArray();
        new Random(seed).Shuffle(order);
        return order.Take(count).Order().ToList();
    }

    /// <summary>
    /// The label arm's rows for seed <paramref name="seed"/>: <paramref name="count"/> rows (or all, when fewer) drawn at
    /// random among those labelled with <paramref name="topic"/> and <paramref name="stance"/>.
    /// </summary>
    public static IReadOnlyList<int> LabelSubset(IReadOnlyList<ExampleLabel> labels, string topic, string stance, int count, int seed)
    {
        var carrying = Enumerable.Range(0, labels.Count).Where(i => labels[i].Topic == topic && labels[i].Stance == stance).ToArray();
        new Random(seed).Shuffle(carrying);
        return carrying.Take(count).Order().ToList();
    }

    /// <param name="labels">Each example's topic and stance (the world's generation labels); null: no label arm.</param>
    /// <param name="surrogate">
    /// Also read every arm with this generation-probe surrogate (built on the stage's start model's sampled answers;
    /// its topic and stance must be the attribution's): <see cref="AblationResult.GenerationSurrogate"/>. Null: not read.
    /// </param>
    public static AblationResult Run(StageRecord record, AttributionResult attribution, LikelihoodProbe probe, string attributionFolder,
        double fraction, int seeds, Action<string>? log = null, CancellationToken cancel = default, IReadOnlyList<ExampleLabel>? labels = null,
        GenerationSurrogate? surrogate = null)
    {
        if (surrogate is not null && (surrogate.Topic != attribution.Topic || surrogate.Stance.Label() != attribution.Stance))
            throw new ConfigException("attribution", "generation surrogate", $"reads {surrogate.Topic} / {surrogate.Stance.Label()}, but the attribution is of {attribution.Topic} / {attribution.Stance}");
        CheckFraction(fraction);
        CheckSeeds(seeds);
        log ??= _ => { };
        var stage = record.Stage;
        var rows = DataRows(stage.DataPath, attribution.Scores.Count);
        int k = RemovedCount(fraction, rows.Count);
        var score = new StanceScore(probe, attribution.Topic, StanceScore.ParseStance(attribution.Stance));

        double start, surrogateStart = 0;
        using (var model = CausalLM.FromPretrained(record.StartModel))
        {
            start = score.Probability(model);
            if (surrogate is not null) surrogateStart = surrogate.Probability(model);
        }
        // Each arm's final checkpoint is read by the likelihood probe and, when asked, by the surrogate too.
        var surrogateM = new Dictionary<string, double>();
        var lastCheckpoint = "";   // the arm just read, for its surrogate M
        double Magnitude(string finalCheckpoint)
        {
            using var model = CausalLM.FromPretrained(finalCheckpoint);
            if (surrogate is not null) surrogateM[finalCheckpoint] = surrogate.Probability(model) - surrogateStart;
            return score.Probability(model) - start;
        }

        var runner = new StageRunner { Logger = LineLogger.To(log) };
        var dataDir = Path.Combine(attributionFolder, "data");
        var stagesDir = Path.Combine(attributionFolder, "stages");
        string f = fraction.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
        double Retrain(string suffix, ISet<int>? removed, int seed)
        {
            cancel.ThrowIfCancellationRequested();
            var name = $"{stage.Name}.{suffix}";
            var data = stage.DataPath;
            var stageDir = Path.Combine(stagesDir, name);
            if (removed is not null)
            {
                data = Path.Combine(dataDir, name + Path.GetExtension(stage.DataPath));
                var kept = string.Concat(rows.Where((_, i) => !removed.Contains(i)).Select(r => r + "\n"));
                // Retrains are reused by name; one trained without other rows (an earlier ranking) is not this arm.
                if (File.Exists(data) && File.ReadAllText(data) != kept && Directory.Exists(stageDir)) Directory.Delete(stageDir, recursive: true);
                IO.AtomicFile.WriteAllText(data, kept);
            }
            var retrained = stage with
            {
                Name = name, DataPath = data,
                Training = stage.Training with { Seed = stage.Training.Seed + seed - 1, CheckpointEvery = 0, KeepCheckpoints = 0 },
            };
            var result = runner.Run(retrained, record.StartModel, stageDir, cancel);
            lastCheckpoint = result.FinalCheckpoint;
            return Magnitude(result.FinalCheckpoint);
        }

        // The examples that pushed along the drift: the highest scores when the stance rose, the lowest when it fell.
        var fullFirstCheckpoint = Path.Combine(record.Directory, "checkpoints", $"step-{stage.Training.MaxSteps}");
        var fullFirst = Magnitude(fullFirstCheckpoint);
        var ranked = attribution.Ranked();
        var top = (fullFirst >= 0 ? ranked : ranked.Reverse()).Take(k).ToHashSet();
        var full = new List<double>();
        var topRemoved = new List<double>();
        var randomRemoved = new List<double>();
        var labelRemoved = new List<double>();
        if (labels is not null && labels.Count != rows.Count)
            throw new ConfigException(stage.DataPath, "labels", $"{labels.Count} labels for {rows.Count} rows");
        int labelRows = labels?.Count(l => l.Topic == attribution.Topic && l.Stance == attribution.Stance) ?? 0;
        int labelRemovedCount = Math.Min(k, labelRows);
        // The surrogate's M of each arm, in the same order as the likelihood's.
        var (gFull, gTop, gRandom, gLabel) = (new List<double>(), new List<double>(), new List<double>(), new List<double>());
        double G() => surrogateM.GetValueOrDefault(lastCheckpoint, double.NaN);
        for (int s = 1; s <= seeds; s++)
        {
            if (s == 1) { full.Add(fullFirst); lastCheckpoint = fullFirstCheckpoint; } else full.Add(Retrain($"full.s{s}", null, s));
            gFull.Add(G());
            topRemoved.Add(Retrain($"ablate-top-{f}.s{s}", top, s));
            gTop.Add(G());
            randomRemoved.Add(Retrain($"ablate-random-{f}.s{s}", RandomSubset(rows.Count, k, s).ToHashSet(), s));
            gRandom.Add(G());
            if (labels is not null && labelRemovedCount > 0)
            {
                labelRemoved.Add(Retrain($"ablate-label-{f}.s{s}", LabelSubset(labels, attribution.Topic, attribution.Stance, k, s).ToHashSet(), s));
                gLabel.Add(G());
            }
            log($"{stage.Name}: seed {s}: M full {full[^1]:+0.000;-0.000;0.000}, top removed {topRemoved[^1]:+0.000;-0.000;0.000}, random removed {randomRemoved[^1]:+0.000;-0.000;0.000}" +
                (labelRemoved.Count == s ? $", label removed {labelRemoved[^1]:+0.000;-0.000;0.000}" : "") +
                (surrogate is null ? "" : $"; surrogate M full {gFull[^1]:+0.000;-0.000;0.000}, top removed {gTop[^1]:+0.000;-0.000;0.000}, random removed {gRandom[^1]:+0.000;-0.000;0.000}" +
                    (gLabel.Count == s ? $", label removed {gLabel[^1]:+0.000;-0.000;0.000}" : "")));
        }
        AblationResult Arms(List<double> a, List<double> t, List<double> r, List<double> l) =>
            new(fraction, k, rows.Count, seeds, SeedEstimate.Across(a), SeedEstimate.Across(t), SeedEstimate.Across(r))
            {
                LabelRemovedMagnitude = l.Count > 0 ? SeedEstimate.Across(l) : null,
                LabelRows = labelRows, LabelRemoved = l.Count > 0 ? labelRemovedCount : 0,
            };
        return Arms(full, topRemoved, randomRemoved, labelRemoved) with
        {
            GenerationSurrogate = surrogate is null ? null : Arms(gFull, gTop, gRandom, gLabel),
            SurrogateAnswers = surrogate?.AnswerCounts, SurrogateLeftOut = surrogate?.LeftOut ?? 0,
        };
    }

    /// <summary>
    /// The data file's rows, one example per non-empty line (JSONL). Removing examples by index needs that
    /// correspondence; a file whose rows are not the stage's examples one for one is refused.
    /// </summary>
    public static IReadOnlyList<string> DataRows(string dataPath, int examples)
    {
        if (!dataPath.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase))
            throw new ConfigException(dataPath, "ablate", "ablation rewrites the data without some rows and needs a JSONL file (one example per line)");
        var rows = File.ReadLines(dataPath).Where(l => !string.IsNullOrWhiteSpace(l)).ToList();
        if (rows.Count != examples)
            throw new ConfigException(dataPath, "ablate", $"has {rows.Count} rows but the stage trained on {examples} examples; ablation needs one example per row");
        return rows;
    }
}
