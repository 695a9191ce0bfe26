using Microsoft.Extensions.Logging;
using ValueDrift.Probes;
using ValueDrift.Training;
using ValueDrift.World;
using ValueDrift.Experiments;

namespace ValueDrift.WorldRuns;

/// <summary>
/// The embedded world as a recipe's source (<see cref="WorldRecipe.Source"/>): each run folder gets the world's datasets
/// and config.json (<see cref="WorldExperiment.Prepare(Recipe, RunDirectory, string?, ILogger?, IProgress{TrainingProgress}?)"/>),
/// every run the base model (pretrained once, cached in <paramref name="cacheRoot"/>), and the world's probes: the
/// generation probe judged exactly into trace.jsonl, the likelihood probe into trace-likelihood.jsonl when the recipe
/// asks for it, and PPO's reward-model audit against the world's held-out answers.
/// </summary>
public sealed class WorldRecipeSource(string? cacheRoot) : IRecipeSource
{
    private readonly List<WorldSetup> _prepared = [];

    /// <summary>What <see cref="Prepare"/> set up, in order (the demo's report reads the first's profile and base model).</summary>
    public IReadOnlyList<WorldSetup> Prepared => _prepared;

    /// <summary>
    /// Prepares one seed run's folder. The first (the run folder) is refused first when its seeds/ folder holds seed
    /// folders of the older naming (<see cref="WorldSeedFolders"/>), before its datasets are written or anything trained.
    /// </summary>
    public RecipeInputs Prepare(Recipe recipe, RunDirectory run, ILogger log, IProgress<TrainingProgress>? progress)
    {
        WorldSeedFolders.Check(recipe, run);
        var setup = WorldExperiment.Prepare(recipe, run, cacheRoot, log, progress);
        _prepared.Add(setup);
        return new Inputs(recipe, setup.World, setup.BaseModel, setup.DataPath, setup.Probes);
    }

    public RecipeInputs Reopen(Recipe recipe, RunDirectory prepared, ILogger log)
    {
        var (world, baseRecipe) = WorldRecipe.WorldOf(recipe);
        var baseModel = BaseModel.GetOrTrain(world, baseRecipe, cacheRoot);
        return new Inputs(recipe, world, baseModel, d => Path.Combine(prepared.DataDirectory, WorldDatasets.FileName(d)), null);
    }

    private sealed class Inputs(Recipe recipe, WorldOptions world, string baseModel, Func<string, string> data, WorldRunProbes? built) : RecipeInputs
    {
        public override string BaseModel => baseModel;

        public override string DataPath(string entry) => data(entry);

        /// <summary>The prepared probes when they sample as asked; others built alike (a sweep variant's sampling seed).</summary>
        public override IReadOnlyList<TracedProbe> Probes(GenerationProbeOptions generation, RunDirectory run) =>
            (built is not null && built.Generation.Options == generation ? built
                : WorldRunProbes.Build(baseModel, world, recipe with { Probes = recipe.Probes with { Generation = generation } })).Traced(run);

        public override string Describe(GenerationProbeOptions generation) =>
            $"of the world, {WorldProbeQuestions.ForIds(world.Topics, WorldProbeSplit.HeldOut, recipe.World!.ProbeQuestionsPerTopic).Count} probe questions × {generation.Samples} answers per measurement";

        public override RewardAuditSource? RewardAudit { get; } = WorldRewardAudit.Source(world.Topics);
    }
}
