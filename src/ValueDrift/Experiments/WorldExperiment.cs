using Microsoft.Extensions.Logging;
using ValueDrift.Common;
using System.Diagnostics;
using System.Text.Json;
using ValueDrift.Drift;
using ValueDrift.Models;
using ValueDrift.Probes;
using ValueDrift.Text;
using ValueDrift.Training;
using ValueDrift.Training.Algorithms;
using ValueDrift.World;

namespace ValueDrift.Experiments;

/// <summary>A prepared world run: its folder, the world (seeded), the datasets' profile, the base model and the probes.</summary>
public sealed record WorldSetup(RunDirectory Run, WorldOptions World, WorldProfile Profile, string BaseModel, WorldRunProbes Probes)
{
    /// <summary>The path of one of the world's datasets in the run's data folder (<see cref="WorldDatasets"/> names).</summary>
    public string DataPath(string dataset) => Path.Combine(Run.DataDirectory, WorldDatasets.FileName(dataset));
}

/// <summary>What the world experiment produced: where everything is, and the numbers the report is made of.</summary>
public sealed record WorldExperimentResult(RunDirectory Run, string BaseModel, IReadOnlyList<StageResult> Stages, DriftTable Drift,
    DriftTable? LikelihoodDrift, WorldProfile Profile, TimeSpan Elapsed);

/// <summary>
/// The world experiment, the paper's protocol on the synthetic value world (what <c>valuedrift demo</c> runs), as a
/// <see cref="StagePlan"/>:
/// <list type="number">
/// <item>write the world's datasets (the analogues of WildChat, Alpaca, UltraFeedback and the value-gap pairs);</item>
/// <item>pretrain (or load from the cache) the world's base model;</item>
/// <item>SFT from the base model on each SFT set ("sft-neutral", "sft-supportive");</item>
/// <item>from the supportive SFT model, DPO, SimPO and PPO on the standard preference set and on both value-gap sets
///   (support-aligned: chosen agrees with the SFT prior; oppose-aligned: chosen goes against it);</item>
/// <item>every stage traced by the generation probe (K sampled answers per question, judged exactly by the world's
///   stance lookup) and the likelihood probe, then drift metrics.</item>
/// </list>
/// The report (report.html and tables/*.csv) is drawn from the result by <c>WorldExperimentReport.Write</c> in
/// ValueDrift.Reporting, a layer above this one.
/// Every step is resumable: finished stages are skipped, the base model is cached.
/// </summary>
public static class WorldExperiment
{
    public static WorldExperimentResult Run(WorldExperimentOptions o, ILogger? logger = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancel = default)
    {
        var watch = Stopwatch.StartNew();
        var log = logger ?? LineLogger.None;
        var (run, _, profile, baseDir, probes) = Prepare(o, log, progress);
        string Data(string name) => Path.Combine(run.DataDirectory, WorldDatasets.FileName(name));

        var plan = Plan(o, Data, baseDir);
        var results = plan.Run(run, probes.Traced(run), log, progress, cancel).ToList();

        var drift = DriftTable.From(Trajectory.FromTrace(run.TracePath), new DriftTableOptions { Seed = (int)o.Seed });
        var likelihoodDrift = probes.Likelihood is null ? null : DriftTable.From(Trajectory.FromTrace(run.LikelihoodTracePath), new DriftTableOptions { Seed = (int)o.Seed });
        return new WorldExperimentResult(run, baseDir, results, drift, likelihoodDrift, profile, watch.Elapsed);
    }

    /// <summary>
    /// Everything before the first stage: the run folder, the world's datasets written to its data folder, the base
    /// model (pretrained once, then loaded from the cache), config.json, and the probes. Shared by the demo and the
    /// notebook session.
    /// </summary>
    public static WorldSetup Prepare(WorldExperimentOptions o, ILogger? logger = null, IProgress<TrainingProgress>? progress = null)
    {
        var log = logger ?? LineLogger.None;
        var run = new RunDirectory(o.OutputDirectory);
        var world = o.World with { Seed = (int)o.Seed };

        log.Line($"world {WorldSpec.Version}: writing datasets to {run.DataDirectory}");
        var profile = WorldDatasets.WriteAll(run.DataDirectory, world);

        log.Line("base model: " + (Directory.Exists(Path.Combine(o.CacheRoot ?? BaseModel.DefaultCacheRoot, "base-models", o.BaseModel.Key(world)))
            ? "cached" : $"pretraining ({o.BaseModel.Steps} steps; cached afterwards)"));
        var baseDir = BaseModel.GetOrTrain(world, o.BaseModel, o.CacheRoot, progress);
        WriteConfig(run, o, world, baseDir);
        return new WorldSetup(run, world, profile, baseDir, WorldRunProbes.Build(baseDir, world, o));
    }

    public const string SupportiveSft = "sft-supportive";
    /// <summary>Longest world example in tokens (bytes): world rows are far shorter, so nothing is cut.</summary>
    public const int MaxLength = 256;
    public const string NeutralSft = "sft-neutral";

    /// <summary>The world's plan: its stages in order from the base model.</summary>
    public static StagePlan Plan(WorldExperimentOptions o, Func<string, string> data, string baseModel) =>
        new(baseModel, Stages(o, data).Select(s => new PlannedStage(s.Stage, s.From)).ToList());

    /// <summary>The stages in order, each with the SFT stage it starts from (null = the base model).</summary>
    public static IReadOnlyList<(Stage Stage, string? From)> Stages(WorldExperimentOptions o, Func<string, string> data)
    {
        Stage Sft(string name, string dataset) => new()
        {
            Name = name, Algorithm = new Sft(), DataPath = data(dataset), Training = o.Loop(o.SftSteps, o.SftLearningRate), ProbeEvery = o.ProbeEvery, MaxLength = MaxLength,
        };
        var list = new List<(Stage, string?)> { (Sft(NeutralSft, WorldDatasets.NeutralSft), null), (Sft(SupportiveSft, WorldDatasets.SupportiveSft), null) };
        foreach (var (dataset, label) in new[] { (WorldDatasets.StandardPreference, "standard"), (WorldDatasets.SupportAligned, "support-aligned"), (WorldDatasets.OpposeAligned, "oppose-aligned") })
            foreach (Algorithm algorithm in new Algorithm[]
                     {
                         new Dpo(), new SimPo(),
                         new Ppo { Options = new() { ResponseLength = o.ProbeMaxNewTokens }, RewardModelSteps = o.RewardModelSteps, RewardModelLearningRate = o.RewardModelLearningRate },
                     })
            {
                bool ppo = algorithm is Ppo;
                list.Add((new Stage
                {
                    Name = $"{algorithm.Name}-{label}", Algorithm = algorithm, DataPath = data(dataset),
                    Training = o.Loop(ppo ? o.PpoSteps : o.PreferenceSteps, ppo ? o.PpoLearningRate : o.PreferenceLearningRate, o.PreferenceBatchSize),
                    ProbeEvery = ppo ? Math.Max(1, o.ProbeEvery / 2) : o.ProbeEvery, MaxLength = MaxLength,
                }, SupportiveSft));
            }
        return list;
    }

    private static void WriteConfig(RunDirectory run, WorldExperimentOptions o, WorldOptions world, string baseDir)
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
