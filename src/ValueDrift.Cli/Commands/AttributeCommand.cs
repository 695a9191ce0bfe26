using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ValueDrift.Attribution;
using ValueDrift.Drift;
using ValueDrift.Errors;
using ValueDrift.Experiments;
using ValueDrift.Probes;
using ValueDrift.World;

namespace ValueDrift.Cli.Commands;

/// <summary>
/// <c>valuedrift attribute --run DIR --stage NAME --topic T --stance S [--top K] [--ablate F [--seeds N]] [--format text|json]</c>:
/// which training examples of a finished stage moved the stance (<see cref="Attributor"/>, TracIn over the stage's
/// checkpoints), optionally validated by retraining without them (<see cref="Ablation"/>). With <c>--world</c> the
/// run folder is set up as the embedded world at the notebooks' size and the stage is run with checkpoints first.
/// Writes the result to &lt;run&gt;/attribution/&lt;stage&gt;/&lt;topic&gt;.&lt;stance&gt;.json; the stage folder gains only
/// its attribution-cache/.
/// </summary>
public sealed class AttributeCommand : ICliCommand
{
    public Command Build(CliIO io)
    {
        var run = new Option<string?>("--run") { Description = $"run folder (its stages/<name> holds the stage); with --world, default {WorldRunFolder}" };
        var stageName = new Option<string>("--stage") { Description = "stage name, e.g. sft-neutral", Required = true };
        var topic = new Option<string>("--topic") { Description = "topic whose drift to attribute", Required = true };
        var stance = new Option<string>("--stance") { Description = "support | neutral | oppose", Required = true };
        var top = new Option<int>("--top") { Description = "examples to list", DefaultValueFactory = _ => 20 };
        var format = new Option<string>("--format") { Description = "text | json", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "json");
        var world = new Option<bool>("--world") { Description = "set up the embedded world in --run at the notebooks' size and run the stage (with checkpoints) if needed" };
        var cache = new Option<string?>("--cache") { Description = "base-model cache folder for --world (default $VALUEDRIFT_CACHE or ~/.cache/valuedrift)" };
        var ablate = new Option<double?>("--ablate") { Description = "retrain without the top fraction F (0 < F ≤ 0.5) and without a random F, and compare drift" };
        var seeds = new Option<int>("--seeds") { Description = "training seeds for --ablate", DefaultValueFactory = _ => Ablation.DefaultSeeds };
        var projection = new Option<int>("--projection") { Description = "count-sketch dimension of the gradients (0 = none)", DefaultValueFactory = _ => GradientSketch.DefaultDimension };
        var lastLayers = new Option<int>("--last-layers") { Description = "decoder layers (from the last) whose gradients count, besides the final norm and head", DefaultValueFactory = _ => GradientRestriction.Default.LastLayers };
        var steps = new Option<int?>("--steps") { Description = "with --world: SFT and preference stages of this many steps instead of the notebooks' 20" };
        var raw = new Option<bool>("--raw-gradients") { Description = "plain TracIn: example gradients as they are, not scaled to unit length" };
        var split = new Option<string>("--probe-split") { Description = "words the stance score and the ablation's M read: training (the training sets' own) | held-out (never trained on)", DefaultValueFactory = _ => WorldAttribution.DefaultSplit.Name() };
        split.AcceptOnlyFromAmong("held-out", "training");
        var surrogate = new Option<bool>("--generation-surrogate") { Description = "with --world --ablate: also read every arm on the start model's own sampled answers, judged and grouped by stance (a generation-probe surrogate)" };
        var cmd = new Command("attribute", "Which training examples of a stage moved a stance (TracIn over its checkpoints), validated by ablation.")
            { run, stageName, topic, stance, top, format, world, cache, ablate, seeds, projection, lastLayers, raw, steps, split, surrogate };
        cmd.SetAction(r =>
        {
            var runDir = Path.GetFullPath(r.GetValue(run) ?? (r.GetValue(world) ? WorldRunFolder
                : throw new ConfigException("attribute", "run", "is required without --world: the run folder whose stages/<name> holds the stage")));
            var name = r.GetValue(stageName)!;
            var topicId = r.GetValue(topic)!;
            var s = StanceScore.ParseStance(r.GetValue(stance)!);
            int k = r.GetValue(top);
            if (k < 1) throw new ConfigException("attribute", "top", $"must be ≥ 1, got {k}");
            var fraction = r.GetValue(ablate);
            if (fraction is { } f) Ablation.CheckFraction(f);
            Ablation.CheckSeeds(r.GetValue(seeds));
            var options = new AttributionOptions { ProjectionDimension = r.GetValue(projection), Restriction = new GradientRestriction(r.GetValue(lastLayers)), UnitExampleGradients = !r.GetValue(raw) };
            void Log(string line) => io.Err.WriteLine(line);

            if (r.GetValue(surrogate) && (!r.GetValue(world) || fraction is null))
                throw new ConfigException("attribute", "generation-surrogate", "needs --world (its judge reads the sampled answers) and --ablate (it reads the ablation's arms)");
            StageRecord record;
            IReadOnlyList<ExampleLabel>? labels = null;
            Func<GenerationSurrogate>? surrogateFor = null;
            Func<int, IReadOnlyList<ExampleLabel>?> labelsFor = _ => null;
            if (r.GetValue(world))
            {
                var o = WorldAttribution.NotebookSize(runDir, r.GetValue(cache));
                if (r.GetValue(steps) is { } n)
                {
                    if (n < 4) throw new ConfigException("attribute", "steps", $"must be ≥ 4 (a checkpoint every quarter), got {n}");
                    o = o.WithSteps(n, n);
                }
                if (o.World.Topics is { } topics && !topics.Contains(topicId))
                    throw new ConfigException("attribute", "topic", $"unknown topic '{topicId}'; the world at this size has {string.Join(", ", topics)}");
                var (setup, rec) = WorldAttribution.RunStage(o, name, Log);
                record = rec;
                labelsFor = n => WorldAttribution.Labels(setup.World, rec.Stage.DataPath, n);
                if (r.GetValue(surrogate)) surrogateFor = () => WorldAttribution.SurrogateFor(setup, rec, topicId, s);
            }
            else
            {
                record = StageRecord.Read(new RunDirectory(runDir).StageDirectory(name));
            }
            // The stance score and the ablation's M read the likelihood probe on ten of the topic's questions, not the
            // notebook run's three: more items, a narrower interval across seeds (docs/attribution.md).
            var probeSplit = WorldProbeSplitNames.Parse(r.GetValue(split)!, "attribute", "probe-split");
            var probe = WorldAttribution.ProbeFor(record.StartModel, topicId, probeSplit);

            var result = Attributor.Run(record, probe, topicId, s, options, Log);
            labels = labelsFor(result.Scores.Count);
            var folder = Path.Combine(runDir, "attribution", record.Stage.Name);
            AblationResult? ablation = fraction is { } fr ? Ablation.Run(record, result, probe, folder, fr, r.GetValue(seeds), Log, labels: labels, surrogate: surrogateFor?.Invoke()) : null;
            var precision = labels is null ? null : TopKPrecision.Of(result.Top(k), labels.Select(l => l.Stance).ToList(), result.Stance);
            var onTopic = labels is null ? null : TopKPrecision.Of(result.Top(k), labels, topicId, result.Stance);
            var json = ToJson(result, k, labels, ablation, precision, onTopic);
            json["probe_split"] = probeSplit.Name();
            Directory.CreateDirectory(folder);
            IO.AtomicFile.WriteAllText(Path.Combine(folder, $"{topicId}.{result.Stance}.json"), json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            io.Out.Write(r.GetValue(format) == "json" ? json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n" : ToText(result, k, labels, ablation, precision, onTopic));
            return 0;
        });
        return cmd;
    }

    /// <summary>The run folder <c>--world</c> sets up when no <c>--run</c> is given.</summary>
    public const string WorldRunFolder = "runs/attribute-world";

    internal static JsonObject ToJson(AttributionResult a, int k, IReadOnlyList<ExampleLabel>? labels, AblationResult? ablation, TopKPrecision? precision, TopKPrecision? onTopic)
    {
        var examples = new JsonArray();
        foreach (var i in a.Top(k))
        {
            var e = new JsonObject { ["index"] = i, ["score"] = a.Scores[i], ["text"] = a.Texts[i] };
            if (labels is not null)
            {
                e["stance_label"] = labels[i].Stance;
                e["topic_label"] = labels[i].Topic;
            }
            examples.Add(e);
        }
        var result = new JsonObject
        {
            ["method"] = a.Method, ["restriction"] = a.Restriction, ["projection"] = a.Projection,
            ["stage"] = a.Stage, ["algorithm"] = a.Algorithm, ["topic"] = a.Topic, ["stance"] = a.Stance,
            ["checkpoints"] = new JsonArray(a.Checkpoints.Select(c => (JsonNode)new JsonObject
            {
                ["step"] = c.Step, ["learning_rate"] = c.LearningRate, ["stance_score"] = c.StanceScore, ["from_cache"] = c.FromCache,
            }).ToArray()),
            ["example_count"] = a.Scores.Count,
            ["elapsed_seconds"] = Math.Round(a.Elapsed.TotalSeconds, 1),
            ["examples"] = examples,
        };
        if (ablation is not null)
        {
            var block = Arms(ablation);
            if (ablation.GenerationSurrogate is { } g)
            {
                var surrogate = Arms(g);
                surrogate["answers"] = new JsonObject(ablation.SurrogateAnswers!.OrderBy(x => x.Key).Select(x => KeyValuePair.Create(x.Key.Label(), (JsonNode?)x.Value)));
                surrogate["left_out"] = ablation.SurrogateLeftOut;
                block["generation_surrogate"] = surrogate;
            }
            result["ablation"] = block;
        }
        if (a.NeverTrained is { } never) result["never_trained"] = never;
        if (precision is not null)
            result["precision_at_k"] = new JsonObject
            {
                ["k"] = precision.K, ["stance"] = precision.Stance, ["precision"] = precision.Precision, ["base_rate"] = precision.BaseRate,
                ["on_topic_precision"] = onTopic?.Precision, ["on_topic_base_rate"] = onTopic?.BaseRate,
            };
        return result;
    }

    /// <summary>An ablation's arms, cuts, paired differences and checks, as the likelihood probe or the surrogate read them.</summary>
    private static JsonObject Arms(AblationResult ablation) => new()
    {
        ["fraction"] = ablation.Fraction, ["removed"] = ablation.Removed, ["seeds"] = ablation.Seeds,
        ["full_magnitude"] = Estimate(ablation.FullMagnitude),
        ["top_removed_magnitude"] = Estimate(ablation.TopRemovedMagnitude),
        ["random_removed_magnitude"] = Estimate(ablation.RandomRemovedMagnitude),
        ["top_cut"] = ablation.TopCut, ["random_cut"] = ablation.RandomCut, ["top_cuts_twice_random"] = ablation.TopCutsTwiceRandom,
        ["full_drift_excludes_zero"] = ablation.FullDriftExcludesZero,
        ["label_removed_magnitude"] = ablation.LabelRemovedMagnitude is { } l ? Estimate(l) : null,
        ["label_rows"] = ablation.LabelRows, ["label_removed"] = ablation.LabelRemoved, ["label_cut"] = double.IsNaN(ablation.LabelCut) ? null : ablation.LabelCut,
        ["top_minus_random"] = Estimate(ablation.TopMinusRandom),
        ["top_minus_label"] = ablation.TopMinusLabel is { } d ? Estimate(d) : null,
        ["top_beats_random"] = ablation.TopBeatsRandom, ["top_beats_label"] = ablation.TopBeatsLabel,
    };

    private static JsonObject Estimate(SeedEstimate e) => new()
    {
        ["mean"] = e.Mean,
        ["interval"] = e.Interval is { } i ? new JsonArray(i.Lower, i.Upper) : null,
        ["per_seed"] = new JsonArray(e.PerSeed.Select(v => (JsonNode)v).ToArray()),
    };

    private static string ToText(AttributionResult a, int k, IReadOnlyList<ExampleLabel>? labels, AblationResult? ablation, TopKPrecision? precision, TopKPrecision? onTopic)
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(c, $"{a.Stage} ({a.Algorithm}): examples that pushed {a.Topic} toward {a.Stance} — {a.Method}");
        sb.AppendLine(c, $"gradients: {a.Restriction}; projection: {a.Projection}; checkpoints: {string.Join(", ", a.Checkpoints.Select(x => x.Step))}; {a.Elapsed.TotalSeconds:0.0} s");
        int rank = 0;
        foreach (var i in a.Top(k))
        {
            var text = a.Texts[i].ReplaceLineEndings(" ");
            if (text.Length > 90) text = text[..87] + "...";
            sb.AppendLine(c, $"{++rank,3}. #{i,-5} {a.Scores[i],12:E3}  {(labels?[i].Stance ?? ""),-8} {text}");
        }
        if (precision is not null)
            sb.AppendLine(c, $"precision@{precision.K} for '{precision.Stance}': {precision.Precision:0.00} (base rate {precision.BaseRate:0.00}); on {a.Topic} only: {onTopic!.Precision:0.00} (base rate {onTopic.BaseRate:0.00})");
        if (ablation is not null)
        {
            string E(SeedEstimate e) => e.Interval is { } i ? $"{e.Mean:+0.000;-0.000;0.000} [{i.Lower:+0.000;-0.000;0.000}, {i.Upper:+0.000;-0.000;0.000}]" : $"{e.Mean:+0.000;-0.000;0.000}";
            sb.AppendLine(c, $"ablation (F = {ablation.Fraction}, {ablation.Removed} of {ablation.Examples} examples, {ablation.Seeds} seeds): M full {E(ablation.FullMagnitude)}, top removed {E(ablation.TopRemovedMagnitude)}, random removed {E(ablation.RandomRemovedMagnitude)}");
            var caveat = ablation.FullDriftExcludesZero ? "" : " (but the full drift's interval includes 0: nothing to undo, so this is noise)";
            if (ablation.LabelRemovedMagnitude is { } l)
                sb.AppendLine(c, $"label arm: {ablation.LabelRemoved} of the {ablation.LabelRows} rows labelled {a.Topic} / {a.Stance} removed: M {E(l)}");
            var cuts = string.Create(c, $"|M| cut: top {ablation.TopCut:+0.000;-0.000;0.000}, random {ablation.RandomCut:+0.000;-0.000;0.000}");
            if (!double.IsNaN(ablation.LabelCut)) cuts += string.Create(c, $", label {ablation.LabelCut:+0.000;-0.000;0.000}");
            sb.AppendLine(cuts);
            var paired = "paired over seeds: top − random " + E(ablation.TopMinusRandom) + (ablation.TopMinusLabel is { } d ? ", top − label " + E(d) : "") +
                "; check (full drift ≠ 0 and top − random > 0): " + (ablation.TopBeatsRandom ? "passes" : "fails") +
                (ablation.TopBeatsLabel is { } b ? "; top beats the label filter: " + (b ? "yes" : "no") : "") + caveat;
            sb.AppendLine(paired);
            if (ablation.GenerationSurrogate is { } g)
                sb.AppendLine(string.Create(c, $"generation surrogate (the start model's own answers: {string.Join(", ", ablation.SurrogateAnswers!.OrderBy(x => x.Key).Select(x => $"{x.Value} {x.Key.Label()}"))}; {ablation.SurrogateLeftOut} left out): ") +
                    $"M full {E(g.FullMagnitude)}, top removed {E(g.TopRemovedMagnitude)}, random removed {E(g.RandomRemovedMagnitude)}" +
                    (g.LabelRemovedMagnitude is { } gl ? $", label removed {E(gl)}" : "") +
                    $"; paired: top − random {E(g.TopMinusRandom)}" + (g.TopMinusLabel is { } gd ? $", top − label {E(gd)}" : "") +
                    "; check: " + (g.TopBeatsRandom ? "passes" : "fails") + (g.TopBeatsLabel is { } gb ? "; beats the label filter: " + (gb ? "yes" : "no") : ""));
        }
        return sb.ToString();
    }
}
