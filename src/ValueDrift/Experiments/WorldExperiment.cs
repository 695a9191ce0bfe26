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

/// <summary>One seed's run of the world experiment: its training seed, folder, stages and drift tables.</summary>
public sealed record WorldSeedRun(long Seed, RunDirectory Run, IReadOnlyList<StageResult> Stages, DriftTable Drift, DriftTable? LikelihoodDrift);

/// <summary>
/// What the world experiment produced: where everything is, and the numbers the report is made of. <see cref="Run"/>,
/// <see cref="Stages"/> and <see cref="Drift"/> are the first seed's; <see cref="SeedRuns"/> has every seed's, and
/// <see cref="Summary"/> their mean and 95% interval per phase × topic × stance.
/// </summary>
public sealed record WorldExperimentResult(RunDirectory Run, string BaseModel, IReadOnlyList<StageResult> Stages, DriftTable Drift,
    DriftTable? LikelihoodDrift, WorldProfile Profile, TimeSpan Elapsed)
{
    public IReadOnlyList<WorldSeedRun> SeedRuns { get; init; } = [];
    public SeedSummary Summary => SeedSummary.From(SeedRuns.Count > 0 ? SeedRuns.Select(r => r.Drift).ToList() : [Drift]);
    public SeedSummary? LikelihoodSummary => LikelihoodDrift is null ? null
        : SeedSummary.From(SeedRuns.Count > 0 ? SeedRuns.Select(r => r.LikelihoodDrift!).ToList() : [LikelihoodDrift]);
}

/// <summary>
/// The world experiment, the paper's protocol on the synthetic value world (what <c>valuedrift demo</c> runs), as the
/// <see cref="StagePlan"/> of the world's recipe, recipes/world.jsonc (<see cref="WorldRecipe"/>):
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
    /// <summary>
    /// Runs the plan once per training seed (<see cref="WorldExperimentOptions.Seeds"/>): the first in the run folder,
    /// the others in seeds/seed-N below it (<see cref="WorldExperimentOptions.ForSeed"/>), all on the same world and
    /// base model. Each seed's folder resumes on its own.
    /// </summary>
    public static WorldExperimentResult Run(WorldExperimentOptions o, ILogger? logger = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancel = default)
    {
        o.Validate();
        var watch = Stopwatch.StartNew();
        var log = logger ?? LineLogger.None;
        var runs = new List<WorldSeedRun>();
        WorldProfile? profile = null;
        string? baseModel = null;
        foreach (var seed in o.TrainingSeeds)
        {
            var so = o.ForSeed(seed);
            if (o.Seeds > 1) log.Line($"seed {seed} ({runs.Count + 1} of {o.Seeds}): {so.OutputDirectory}");
            var (run, _, p, baseDir, probes) = Prepare(so, log, progress);
            profile ??= p; baseModel ??= baseDir;
            string Data(string name) => Path.Combine(run.DataDirectory, WorldDatasets.FileName(name));
            var results = Plan(so, Data, baseDir).Run(run, probes.Traced(run), log, progress, cancel,
                rewardAudit: WorldRewardAudit.Source(so.World.Topics)).ToList();
            var tableOptions = new DriftTableOptions { Seed = (int)seed };
            using var traceIo = PhaseProfile.Measure(PhaseProfile.Phases.TraceIo);
            var drift = DriftTable.From(Trajectory.FromTrace(run.TracePath), tableOptions);
            var likelihood = probes.Likelihood is null ? null : DriftTable.From(Trajectory.FromTrace(run.LikelihoodTracePath), tableOptions);
            runs.Add(new WorldSeedRun(seed, run, results, drift, likelihood));
        }
        var first = runs[0];
        return new WorldExperimentResult(first.Run, baseModel!, first.Stages, first.Drift, first.LikelihoodDrift, profile!, watch.Elapsed) { SeedRuns = runs };
    }

    /// <summary>
    /// Everything before the first stage: the run folder, the world's datasets written to its data folder, the base
    /// model (pretrained once, then loaded from the cache), config.json, and the probes. Shared by the demo and the
    /// notebook session.
    /// </summary>
    /// <param name="generation">The generation probe's settings (null: the world recipe's at the options' sizes).</param>
    public static WorldSetup Prepare(WorldExperimentOptions o, ILogger? logger = null, IProgress<TrainingProgress>? progress = null, GenerationProbeOptions? generation = null)
    {
        var log = logger ?? LineLogger.None;
        var run = new RunDirectory(o.OutputDirectory);
        var world = o.World with { Seed = (int)o.Seed };

        log.Line($"world {WorldSpec.Version}: writing datasets to {run.DataDirectory}");
        WorldProfile profile;
        using (PhaseProfile.Measure(PhaseProfile.Phases.WorldData)) profile = WorldDatasets.WriteAll(run.DataDirectory, world);

        log.Line("base model: " + (Directory.Exists(Path.Combine(o.CacheRoot ?? BaseModel.DefaultCacheRoot, "base-models", o.BaseModel.Key(world)))
            ? "cached" : $"pretraining ({o.BaseModel.Steps} steps; cached afterwards)"));
        string baseDir;
        using (PhaseProfile.MeasureWhole(PhaseProfile.Phases.Pretraining)) baseDir = BaseModel.GetOrTrain(world, o.BaseModel, o.CacheRoot, progress);
        WriteConfig(run, o, world, baseDir);
        return new WorldSetup(run, world, profile, baseDir, WorldRunProbes.Build(baseDir, world, o, generation));
    }

    public const string SupportiveSft = "sft-supportive";
    public const string NeutralSft = "sft-neutral";

    /// <summary>The world's plan at the options' sizes: the stages of recipes/world.jsonc (<see cref="WorldRecipe.For"/>) from the base model.</summary>
    public static StagePlan Plan(WorldExperimentOptions o, Func<string, string> data, string baseModel) => WorldRecipe.For(o).Plan(data, baseModel);

    /// <summary>The stages in order, each with the SFT stage it starts from (null = the base model): the world recipe's, at the options' sizes.</summary>
    public static IReadOnlyList<(Stage Stage, string? From)> Stages(WorldExperimentOptions o, Func<string, string> data) =>
        Plan(o, data, baseModel: "").Stages.Select(s => (s.Stage, s.From)).ToList();

    /// <summary>The support-aligned value-gap set's label in stage names.</summary>
    public const string SupportAligned = "support-aligned";

    /// <summary>The phase of a KL-sweep PPO stage: "ppo-kl0-support-aligned", "ppo-kl0.2-support-aligned".</summary>
    public static string PpoKlPhase(double kl, string label) => $"{WorldRecipe.KlLabel(kl)}-{label}";

    private static void WriteConfig(RunDirectory run, WorldExperimentOptions o, WorldOptions world, string baseDir)
    {
        var config = new
        {
            command = "demo", world_version = WorldSpec.Version, world, base_model = baseDir, base_recipe = o.BaseModel,
            o.Seed, training_seed = o.TrainingSeed, o.Seeds, o.SftSteps, budget = o.Budget, o.PpoKlSweep, o.RewardModelSteps, o.BatchSize, o.SftLearningRate,
            o.RewardModelLearningRate, o.ProbeEvery, o.ProbeSamples, o.ProbeQuestionsPerTopic, o.ProbeMaxNewTokens, probe_temperature = 0.7,
        };
        IO.AtomicFile.WriteAllText(run.ConfigPath, JsonSerializer.Serialize(config, new JsonSerializerOptions { WriteIndented = true }));
    }
}
