using System.Diagnostics;
using System.Text.Json;
using ValueDrift.Drift;
using ValueDrift.Models;
using ValueDrift.Probes;
using ValueDrift.Text;
using ValueDrift.Training;
using ValueDrift.World;

namespace ValueDrift.Experiments;

/// <summary>A prepared world run: its folder, the world (seeded), the datasets' profile, the base model and the probes.</summary>
public sealed record WorldSetup(RunDirectory Run, WorldOptions World, WorldProfile Profile, string BaseModel, WorldProbes Probes)
{
    /// <summary>The path of one of the world's datasets in the run's data folder (<see cref="WorldDatasets"/> names).</summary>
    public string DataPath(string dataset) => Path.Combine(Run.DataDirectory, WorldDatasets.FileName(dataset));
}

/// <summary>What the demo produced: where everything is, and the numbers the report is made of.</summary>
public sealed record WorldDemoResult(RunDirectory Run, string BaseModel, IReadOnlyList<StageResult> Stages, DriftTable Drift,
    DriftTable? LikelihoodDrift, WorldProfile Profile, TimeSpan Elapsed);

/// <summary>
/// The embedded demo, the paper's protocol on the synthetic value world:
/// <list type="number">
/// <item>write the world's datasets (the analogues of WildChat, Alpaca, UltraFeedback and the value-gap pairs);</item>
/// <item>pretrain (or load from the cache) the world's base model;</item>
/// <item>SFT from the base model on each SFT set ("sft-neutral", "sft-supportive");</item>
/// <item>from the supportive SFT model, DPO, SimPO and PPO on the standard preference set and on both value-gap sets
///   (support-aligned: chosen agrees with the SFT prior; oppose-aligned: chosen goes against it);</item>
/// <item>every stage traced by the generation probe (K sampled answers per question, judged exactly by the world's
///   stance lookup) and the likelihood probe, then drift metrics.</item>
/// </list>
/// The report (report.html and tables/*.csv) is drawn from the result by <c>WorldDemoReport.Write</c> in
/// ValueDrift.Reporting, a layer above this one.
/// Every step is resumable: finished stages are skipped, the base model is cached.
/// </summary>
public static class WorldDemo
{
    public static WorldDemoResult Run(WorldDemoOptions o, Action<string>? log = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancel = default)
    {
        var watch = Stopwatch.StartNew();
        log ??= _ => { };
        var (run, _, profile, baseDir, probes) = Prepare(o, log, progress);
        string Data(string name) => Path.Combine(run.DataDirectory, WorldDatasets.FileName(name));

        var stages = Stages(o, Data);
        PruneUnfinished(run, stages);
        using var traces = probes.Open(run);
        var targets = traces.Targets;

        MeasureBase(baseDir, targets, log);
        var runner = new StageRunner(run, targets) { Progress = progress, Log = log };
        var results = new List<StageResult>();
        var sftFinal = new Dictionary<string, string>();
        foreach (var (stage, from) in stages)
        {
            cancel.ThrowIfCancellationRequested();
            var start = from is null ? baseDir : sftFinal[from];
            var result = runner.Run(stage, start, cancel);
            log($"{stage.Name}: done in {result.Elapsed.TotalSeconds:F0} s");
            results.Add(result);
            if (stage.Kind == StageKind.Sft) sftFinal[stage.Name] = result.FinalCheckpoint;
        }
        traces.Dispose();

        var drift = DriftTable.From(Trajectory.FromTrace(run.TracePath), new DriftTableOptions { Seed = (int)o.Seed });
        var likelihoodDrift = probes.Likelihood is null ? null : DriftTable.From(Trajectory.FromTrace(run.LikelihoodTracePath), new DriftTableOptions { Seed = (int)o.Seed });
        return new WorldDemoResult(run, baseDir, results, drift, likelihoodDrift, profile, watch.Elapsed);
    }

    /// <summary>
    /// Everything before the first stage: the run folder, the world's datasets written to its data folder, the base
    /// model (pretrained once, then loaded from the cache), config.json, and the probes. Shared by the demo and the
    /// notebook session.
    /// </summary>
    public static WorldSetup Prepare(WorldDemoOptions o, Action<string>? log = null, IProgress<TrainingProgress>? progress = null)
    {
        log ??= _ => { };
        var run = new RunDirectory(o.OutputDirectory);
        var world = o.World with { Seed = (int)o.Seed };

        log($"world {WorldSpec.Version}: writing datasets to {run.DataDirectory}");
        var profile = WorldDatasets.WriteAll(run.DataDirectory, world);

        log("base model: " + (Directory.Exists(Path.Combine(o.CacheRoot ?? BaseModel.DefaultCacheRoot, "base-models", o.BaseModel.Key(world)))
            ? "cached" : $"pretraining ({o.BaseModel.Steps} steps; cached afterwards)"));
        var baseDir = BaseModel.GetOrTrain(world, o.BaseModel, o.CacheRoot, progress);
        WriteConfig(run, o, world, baseDir);
        return new WorldSetup(run, world, profile, baseDir, WorldProbes.Build(baseDir, world, o));
    }

    public const string SupportiveSft = "sft-supportive";
    public const string NeutralSft = "sft-neutral";

    /// <summary>The stages in order, each with the SFT stage it starts from (null = the base model).</summary>
    public static IReadOnlyList<(Stage Stage, string? From)> Stages(WorldDemoOptions o, Func<string, string> data)
    {
        var list = new List<(Stage, string?)>
        {
            (new Stage { Name = NeutralSft, Kind = StageKind.Sft, DataPath = data(WorldDatasets.NeutralSft), Training = o.Loop(o.SftSteps, o.SftLearningRate), ProbeEvery = o.ProbeEvery }, null),
            (new Stage { Name = SupportiveSft, Kind = StageKind.Sft, DataPath = data(WorldDatasets.SupportiveSft), Training = o.Loop(o.SftSteps, o.SftLearningRate), ProbeEvery = o.ProbeEvery }, null),
        };
        foreach (var (dataset, label) in new[] { (WorldDatasets.StandardPreference, "standard"), (WorldDatasets.SupportAligned, "support-aligned"), (WorldDatasets.OpposeAligned, "oppose-aligned") })
            foreach (var kind in new[] { StageKind.Dpo, StageKind.SimPo, StageKind.Ppo })
            {
                bool ppo = kind == StageKind.Ppo;
                list.Add((new Stage
                {
                    Name = $"{kind.ToString().ToLowerInvariant()}-{label}", Kind = kind, DataPath = data(dataset),
                    Training = o.Loop(ppo ? o.PpoSteps : o.PreferenceSteps, ppo ? o.PpoLearningRate : o.PreferenceLearningRate, o.PreferenceBatchSize),
                    ProbeEvery = ppo ? Math.Max(1, o.ProbeEvery / 2) : o.ProbeEvery,
                    RewardModelSteps = o.RewardModelSteps, RewardModelLearningRate = o.RewardModelLearningRate, PpoResponseLength = o.ProbeMaxNewTokens,
                }, SupportiveSft));
            }
        return list;
    }

    /// <summary>The base model is measured once, as phase "base" step 0.</summary>
    public static void MeasureBase(string baseDir, IReadOnlyList<TraceTarget> targets, Action<string> log)
    {
        var missing = targets.Where(t => !TraceReader.Read(t.Writer.Path).Records.Any(r => r.Phase == "base")).ToList();
        if (missing.Count == 0) return;
        log("base: probing the base model");
        using var model = CausalLM.FromPretrained(baseDir);
        foreach (var t in missing)
            new TrajectoryRecorder(t.Probe, t.Writer, "base", ProbeSchedule.At([0])).RecordNow(model, "base", 0);
    }

    /// <summary>
    /// A stage that was interrupted restarts from its newest checkpoint (or from scratch); records it measured after
    /// that point are dropped so they are not duplicated when measured again.
    /// </summary>
    public static void PruneUnfinished(RunDirectory run, IReadOnlyList<(Stage Stage, string? From)> stages)
    {
        foreach (var (stage, _) in stages)
        {
            var latest = TrainingCheckpoint.Latest(run.StageDirectory(stage.Name));
            if (latest is { } l && l.Step >= stage.Training.MaxSteps) continue;
            int keepUpTo = latest?.Step ?? -1;
            foreach (var path in new[] { run.TracePath, run.LikelihoodTracePath })
                TraceWriter.Prune(path, r => r.Phase != stage.Name || r.Step <= keepUpTo);
        }
    }

    private static void WriteConfig(RunDirectory run, WorldDemoOptions o, WorldOptions world, string baseDir)
    {
        var config = new
        {
            command = "demo", world_version = WorldSpec.Version, world, base_model = baseDir, base_recipe = o.BaseModel,
            o.Seed, o.SftSteps, o.PreferenceSteps, o.PpoSteps, o.RewardModelSteps, o.BatchSize, o.PreferenceBatchSize, o.SftLearningRate,
            o.PreferenceLearningRate, o.PpoLearningRate, o.RewardModelLearningRate, o.ProbeEvery, o.ProbeSamples, o.ProbeQuestionsPerTopic, o.ProbeMaxNewTokens, probe_temperature = 0.7,
        };
        IO.AtomicFile.WriteAllText(run.ConfigPath, JsonSerializer.Serialize(config, new JsonSerializerOptions { WriteIndented = true }));
    }
}
