using System.Text.Json;
using System.Text.Json.Nodes;
using ValueDrift.Drift;
using ValueDrift.Errors;
using ValueDrift.Experiments;
using ValueDrift.Probes;

using ValueDrift.Training.Algorithms;
using ValueDrift.WorldRuns;

namespace ValueDrift.Reporting;

/// <summary>One chart to render as a picture: its file name (without extension), a caption, and the figure.</summary>
public sealed record FigureFile(string Name, string Caption, PlotlyFigure Figure);

/// <summary>
/// The key charts of a finished demo run folder (<c>runs/demo</c>), as pictures readable without running anything:
/// the demo report's and, drawn from the demo's stages of the same names, the walkthrough notebook's stage charts
/// (the same world and stages as notebook 01, at the demo's size). Everything is read from the folder: the traces,
/// <c>config.json</c> (the training seed the drift table's intervals use), <c>data/profile.json</c> (value gaps) and
/// the stage manifests (which checkpoint each phase started from).
/// </summary>
public static class RunFigures
{
    /// <summary>The walkthrough's stages, in its cell order: SFT on the supportive set, then three preference algorithms from it.</summary>
    public static readonly IReadOnlyList<string> WalkthroughPhases = [WorldExperiment.SupportiveSft, "dpo-standard", "simpo-standard", "ppo-standard"];

    /// <summary>The demo report's key charts.</summary>
    public static IReadOnlyList<FigureFile> Demo(RunDirectory run)
    {
        var trajectory = ReadTrace(run.TracePath);
        var starts = PhaseStarts.FromRun(run);
        var table = DriftTable.From(trajectory, new DriftTableOptions { Seed = TrainingSeed(run) });
        var topic = trajectory.Topics[0];
        var list = new List<FigureFile>
        {
            new("demo-stances", $"Generation probe, {topic}: every phase of the demo from the checkpoint it starts at", DriftCharts.StanceOverSteps(trajectory, topic, seed: TrainingSeed(run), starts: starts)),
            new("demo-drift-support", "Drift magnitude of 'support' per topic and phase (generation probe)", DriftCharts.MagnitudeHeatmap(table, Stance.Support)),
        };
        var gapPhases = AlgorithmRegistry.PaperComparison.Select(a => $"{a}-{WorldExperiment.SupportAligned}").Where(trajectory.Phases.Contains).ToList();
        if (gapPhases.Count > 0)
            list.Add(new("demo-value-gap-support", "Change of 'support' on the support-aligned value-gap set, each algorithm from the same SFT checkpoint (generation probe)",
                StageChangeCharts.CompareChanges(table, gapPhases, Stance.Support, "generation probe")));
        var profile = Path.Combine(run.DataDirectory, "profile.json");
        if (File.Exists(profile) && ValueGaps(profile) is { Count: > 0 } gaps)
            list.Add(new("demo-value-gaps", "Value gap of the preference sets per topic (chosen − rejected)", DriftCharts.ValueGapBars(gaps)));
        return list;
    }

    /// <summary>
    /// The walkthrough's charts from the run's stages of the same names: each stage cell's Δp bars (generation probe)
    /// and the stance lines of the first topic over all of them.
    /// </summary>
    public static IReadOnlyList<FigureFile> Walkthrough(RunDirectory run)
    {
        var all = ReadTrace(run.TracePath);
        var phases = WalkthroughPhases.Where(all.Phases.Contains).ToList();
        if (phases.Count == 0) return [];
        var trajectory = new Trajectory(all.Records().Where(r => phases.Contains(r.Phase)));
        var table = DriftTable.From(trajectory, new DriftTableOptions { Seed = TrainingSeed(run) });
        var scale = StageChangeCharts.SharedScale(table, phases);   // one axis for every stage chart, so they compare
        var list = phases.Select(p => new FigureFile($"walkthrough-{p}", $"Stage cell {p}: change since the checkpoint it started from (generation probe)",
            StageChangeCharts.ChangeBars(table, p, "generation probe", scale))).ToList();
        var topic = trajectory.Topics[0];
        list.Add(new("walkthrough-stances", $"The walkthrough's stages for {topic}, each from the checkpoint it starts at (generation probe)",
            DriftCharts.StanceOverSteps(trajectory, topic, seed: TrainingSeed(run), starts: PhaseStarts.FromRun(run))));
        return list;
    }

    /// <summary>Renders figures to <c>NAME.png</c> in <paramref name="outDirectory"/>; returns each file with its pixel size.</summary>
    public static IReadOnlyList<(FigureFile Figure, string Png, int Width, int Height)> Render(IEnumerable<FigureFile> figures, string outDirectory, int width = ChromiumPng.DefaultWidth)
    {
        var work = Path.Combine(Path.GetTempPath(), $"valuedrift-figures-{Environment.ProcessId}");
        try
        {
            return figures.Select(f =>
            {
                var png = Path.Combine(outDirectory, f.Name + ".png");
                var (w, h) = ChromiumPng.Render(f.Figure, png, work, width);
                return (f, png, w, h);
            }).ToList();
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static Trajectory ReadTrace(string path)
    {
        if (!File.Exists(path)) throw new ConfigException(path, "trace", "no trace in the run folder: run `valuedrift demo --out DIR` first");
        var t = Trajectory.FromTrace(path);
        if (t.Topics.Count == 0) throw new DataFormatException(path, null, null, "the trace has no measurements");
        return t;
    }

    /// <summary>The seed the run's drift table used: config.json's training_seed (or Seed).</summary>
    public static int TrainingSeed(RunDirectory run)
    {
        if (!File.Exists(run.ConfigPath)) throw new ConfigException(run.ConfigPath, "training_seed", "the run folder has no config.json");
        JsonNode? config;
        try { config = JsonNode.Parse(File.ReadAllText(run.ConfigPath)); }
        catch (JsonException e) { throw new ConfigException(run.ConfigPath, "training_seed", "not valid JSON: " + e.Message, e); }
        var seed = config?["training_seed"] ?? config?["Seed"]
            ?? throw new ConfigException(run.ConfigPath, "training_seed", "missing (nor is there a 'Seed')");
        try { return (int)seed.GetValue<long>(); }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        { throw new ConfigException(run.ConfigPath, "training_seed", $"not an integer: {seed.ToJsonString()}", e); }
    }

    /// <summary>
    /// The preference sets' value gaps per topic from a world's <c>profile.json</c> (<c>datasets.NAME.chosen/rejected.perTopic</c>),
    /// named "dataset: topic".
    /// </summary>
    public static IReadOnlyList<ValueGap> ValueGaps(string profilePath)
    {
        JsonNode? root;
        try { root = JsonNode.Parse(File.ReadAllText(profilePath)); }
        catch (JsonException e) { throw new DataFormatException(profilePath, null, null, "not valid JSON: " + e.Message, e); }
        if (root?["datasets"] is not JsonObject datasets) throw new DataFormatException(profilePath, null, "datasets", "missing or not an object");
        var gaps = new List<ValueGap>();
        foreach (var (name, d) in datasets)
        {
            if (d?["chosen"]?["perTopic"] is not JsonObject chosen || d["rejected"]?["perTopic"] is not JsonObject rejected) continue;
            int rows = d["rows"]?.GetValue<int>() ?? 0;
            foreach (var (topic, c) in chosen)
            {
                if (rejected[topic] is not { } r) continue;
                gaps.Add(new ValueGap($"{name}: {topic}", Distribution(profilePath, $"datasets.{name}.chosen.perTopic.{topic}", c),
                    Distribution(profilePath, $"datasets.{name}.rejected.perTopic.{topic}", r), rows));
            }
        }
        return gaps;
    }

    private static StanceDistribution Distribution(string file, string field, JsonNode? node)
    {
        double Get(string s) => node?[s] is JsonValue v && v.TryGetValue<double>(out var x) && double.IsFinite(x) && x >= 0
            ? x : throw new DataFormatException(file, null, $"{field}.{s}", "missing or not a probability");
        return StanceDistribution.Normalised(Get("support"), Get("neutral"), Get("oppose"));
    }
}
