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
using ValueDrift.Experiments;

namespace ValueDrift.WorldRuns;

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

    /// <summary>Null for a finished run; for a report written while the run continues, what it rests on.</summary>
    public string? Interim { get; init; }

    public SeedSummary Summary => SeedSummary.From(SeedRuns.Count > 0 ? SeedRuns.Select(r => r.Drift).ToList() : [Drift]);
    public SeedSummary? LikelihoodSummary => LikelihoodDrift is null ? null
        : SeedSummary.From(SeedRuns.Count > 0 ? SeedRuns.Select(r => r.LikelihoodDrift!).ToList() : [LikelihoodDrift]);
}

/// <summary>
/// The world experiment, the paper's protocol on the synthetic value world (what <c>valuedrift demo</c> runs): the
/// world's recipe, recipes/world.jsonc (<see cref="WorldRecipe"/>), at the options' sizes, run by <see cref="RecipeRunner"/>:
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
    /// Runs the world's recipe at the options' sizes (<see cref="WorldRecipe.For"/>) through <see cref="RecipeRunner"/>
    /// with the world's source: once per training seed (<see cref="WorldExperimentOptions.Seeds"/>), the first in the
    /// run folder, the others in seeds/seed-1, seeds/seed-2, … below it (<see cref="Recipe.SeedFolder"/>), all on the
    /// same world and base model. Each seed's folder resumes on its own. A run folder a demo wrote before seed folders
    /// were named this way (seeds/seed-N by training seed) is refused, saying how to rename them
    /// (<see cref="WorldSeedFolders"/>).
    /// </summary>
    /// <param name="interim">Hears of what can be reported before the run ends, so a report can be written early and
    /// rewritten as work finishes: while the first seed runs, its finished stages (before each next stage starts, or
    /// every few seconds while workers run; <see cref="WorldExperimentResult.Interim"/> says which); then, while seeds
    /// still run, seeds 1–k once they are all done.</param>
    /// <param name="workers">Run the seeds as worker processes once the base model exists (<see cref="SeedWorkers"/>);
    /// null: one after another in this process.</param>
    public static WorldExperimentResult Run(WorldExperimentOptions o, ILogger? logger = null, IProgress<TrainingProgress>? progress = null,
        CancellationToken cancel = default, Action<WorldExperimentResult>? interim = null, SeedWorkers? workers = null)
    {
        o.Validate();
        var watch = Stopwatch.StartNew();
        var recipe = WorldRecipe.For(o);
        var source = WorldRecipe.Source(o.CacheRoot);
        var done = new SortedDictionary<int, RecipeResult>();
        var reported = new HashSet<string>();
        void FirstSeedStages()
        {
            // While the first seed runs: the stages it finished so far, once there is a new one to report.
            if (interim is null || done.ContainsKey(0)) return;
            var run = new RunDirectory(o.OutputDirectory);
            var finished = FinishedStages(recipe, run);
            if (finished.Count == 0 || !reported.Add(string.Join(",", finished))) return;
            var partial = new RecipeResult(run, [], watch.Elapsed);
            var phases = finished.Append(StagePlan.BasePhase).ToHashSet();
            interim(Result(o, recipe, source, [partial], watch, phases.Contains) with
            {
                Interim = $"seed 1 of {o.Seeds}, the stages finished so far ({string.Join(", ", finished)}); the run continues",
            });
        }
        void SeedFinished(int index, RecipeResult seed)
        {
            done[index] = seed;
            // Seeds 1–k once all are done (the first's folder holds the report; seeds are read by index), while others run.
            var first = done.TakeWhile((kv, i) => kv.Key == i).Select(kv => kv.Value).ToList();
            if (interim is not null && first.Count > 0 && done.Count < o.Seeds && (index < first.Count))
                interim(Result(o, recipe, source, first, watch) with
                {
                    Interim = $"seeds 1–{first.Count} of {o.Seeds}, every stage; {o.Seeds - done.Count} still running",
                });
        }
        var result = RecipeRunner.Run(recipe, o.OutputDirectory, logger, progress, cancel, starting: _ => FirstSeedStages(), source: source,
            seedFinished: SeedFinished, workers: workers, whileWorkersRun: FirstSeedStages);
        return Result(o, recipe, source, result.SeedResults, watch);
    }

    /// <summary>The first seed's stages whose final checkpoint exists (their trace records are all written), in plan order.</summary>
    private static List<string> FinishedStages(Recipe recipe, RunDirectory run) =>
        recipe.Plan(_ => "", "").Stages
            .Where(p => TrainingCheckpoint.Latest(run.StageDirectory(p.Stage.Name)) is { } l && l.Step >= p.Stage.Training.MaxSteps)
            .Select(p => p.Stage.Name).ToList();

    /// <summary>The result of the seed runs given: each seed's drift tables read from its traces.</summary>
    private static WorldExperimentResult Result(WorldExperimentOptions o, Recipe recipe, WorldRecipeSource source, IReadOnlyList<RecipeResult> seeds, Stopwatch watch,
        Func<string, bool>? phases = null)
    {
        using var traceIo = PhaseProfile.Measure(PhaseProfile.Phases.TraceIo);
        Trajectory Read(string path) => phases is null ? Trajectory.FromTrace(path) : new Trajectory(TraceReader.Read(path).Records.Where(r => phases(r.Phase)));
        var runs = seeds.Select((r, i) =>
        {
            long seed = WorldRecipe.TrainingSeed(recipe, i);
            var tableOptions = new DriftTableOptions { Seed = (int)seed };
            var drift = DriftTable.From(Read(r.Run.TracePath), tableOptions);
            var likelihood = o.LikelihoodProbe ? DriftTable.From(Read(r.Run.LikelihoodTracePath), tableOptions) : null;
            return new WorldSeedRun(seed, r.Run, r.Stages, drift, likelihood);
        }).ToList();
        var first = runs[0];
        var setup = source.Prepared[0];
        return new WorldExperimentResult(first.Run, setup.BaseModel, first.Stages, first.Drift, first.LikelihoodDrift, setup.Profile, watch.Elapsed) { SeedRuns = runs };
    }

    /// <summary>
    /// Everything before the first stage of a world run at the options' sizes: <see cref="Prepare(Recipe, RunDirectory, string?, ILogger?, IProgress{TrainingProgress}?)"/>
    /// of <see cref="WorldRecipe.For"/> in <see cref="WorldExperimentOptions.OutputDirectory"/>. The notebook session's start.
    /// </summary>
    public static WorldSetup Prepare(WorldExperimentOptions o, ILogger? logger = null, IProgress<TrainingProgress>? progress = null) =>
        Prepare(WorldRecipe.For(o), new RunDirectory(o.OutputDirectory), o.CacheRoot, logger, progress);

    /// <summary>
    /// Everything before the first stage of a world recipe's run: the world's datasets written to the run's data folder,
    /// the base model (pretrained once, then loaded from the cache), config.json, and the probes. Shared by the demo,
    /// <c>reproduce</c> of a world recipe, the sweep and the notebook session.
    /// </summary>
    /// <param name="cacheRoot">Where base models are cached (null: $VALUEDRIFT_CACHE or ~/.cache/valuedrift).</param>
    public static WorldSetup Prepare(Recipe recipe, RunDirectory run, string? cacheRoot, ILogger? logger = null, IProgress<TrainingProgress>? progress = null)
    {
        var log = logger ?? LineLogger.None;
        var (world, baseRecipe) = WorldRecipe.WorldOf(recipe);

        log.Line($"world {WorldSpec.Version}: writing datasets to {run.DataDirectory}");
        WorldProfile profile;
        using (PhaseProfile.Measure(PhaseProfile.Phases.WorldData)) profile = WorldDatasets.WriteAll(run.DataDirectory, world);

        log.Line("base model: " + (Directory.Exists(Path.Combine(cacheRoot ?? BaseModel.DefaultCacheRoot, "base-models", baseRecipe.Key(world)))
            ? "cached" : $"pretraining ({baseRecipe.Steps} steps; cached afterwards)"));
        string baseDir;
        using (PhaseProfile.MeasureWhole(PhaseProfile.Phases.Pretraining)) baseDir = BaseModel.GetOrTrain(world, baseRecipe, cacheRoot, progress);
        WriteConfig(run, recipe, world, baseRecipe, baseDir);
        return new WorldSetup(run, world, profile, baseDir, WorldRunProbes.Build(baseDir, world, recipe));
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

    /// <summary>config.json: the run's world, base model and sizes, and its training seed (which the report's intervals use).</summary>
    private static void WriteConfig(RunDirectory run, Recipe r, WorldOptions world, BaseModelRecipe baseRecipe, string baseDir)
    {
        var ppo = WorldRecipe.MainPpoOf(r);
        var config = new
        {
            command = "demo", world_version = WorldSpec.Version, world, base_model = baseDir, base_recipe = baseRecipe,
            Seed = (long)world.Seed, training_seed = r.SftTraining.Seed, r.Seeds, SftSteps = r.SftTraining.MaxSteps, budget = r.Budget,
            PpoKlSweep = WorldRecipe.KlSweep(r), RewardModelSteps = ppo?.RewardModelSteps, BatchSize = r.SftTraining.BatchSize, SftLearningRate = r.SftTraining.LearningRate,
            RewardModelLearningRate = ppo?.RewardModelLearningRate, ProbeEvery = r.Probes.Every, ProbeSamples = r.Probes.Generation.Samples,
            ProbeQuestionsPerTopic = r.World!.ProbeQuestionsPerTopic, ProbeMaxNewTokens = r.Probes.Generation.MaxNewTokens, probe_temperature = r.Probes.Generation.Temperature,
        };
        IO.AtomicFile.WriteAllText(run.ConfigPath, JsonSerializer.Serialize(config, new JsonSerializerOptions { WriteIndented = true }));
    }
}
