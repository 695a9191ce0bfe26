using Microsoft.Extensions.Logging;
using ValueDrift.Common;
using System.Diagnostics;
using ValueDrift.Drift;
using ValueDrift.Probes;
using ValueDrift.Text;
using ValueDrift.Training;

namespace ValueDrift.Experiments;

/// <summary>What a recipe run produced: its folder (trace.jsonl, stages/, recipe.json) and every stage's result.</summary>
public sealed record RecipeResult(RunDirectory Run, IReadOnlyList<StageResult> Stages, TimeSpan Elapsed)
{
    /// <summary>Every seed run's result, the first being this one's folder and stages (<see cref="Recipe.Seeds"/>).</summary>
    public IReadOnlyList<RecipeResult> SeedResults { get; init; } = [];

    /// <summary>Every seed's run folder, the first being <see cref="Run"/>.</summary>
    public IReadOnlyList<RunDirectory> SeedRuns => SeedResults.Count > 0 ? SeedResults.Select(r => r.Run).ToList() : [Run];

    /// <summary>The drift of every seed's trace summarised per phase × topic × stance: mean and 95% interval across seeds.</summary>
    public SeedSummary SeedSummary(DriftTableOptions? options = null) =>
        Drift.SeedSummary.From(SeedRuns.Select(r => Trajectory.FromTrace(r.TracePath)).ToList(), options);
}

/// <summary>
/// Runs a <see cref="Recipe"/> into a run folder: the recipe as read (recipe.json), the inputs its
/// <see cref="IRecipeSource"/> prepares (the recipe's files, or the embedded world's datasets and base model), the base
/// model measured, every stage of <see cref="Recipe.Plan"/> trained and traced by the source's probes (the drift
/// report is written from the trace by the caller: <c>valuedrift reproduce</c>, or the demo's report). A killed run,
/// started again with the same recipe and folder, continues at the stage and step where it stopped; a finished one is
/// read back.
/// </summary>
public static class RecipeRunner
{
    /// <summary>Where a run keeps its judgement cache (a resumed or repeated run asks the judge nothing it asked before).</summary>
    public const string JudgementCacheFolder = "judge-cache";

    /// <summary>
    /// Runs the recipe once per seed (<see cref="Recipe.Seeds"/>): the first into <paramref name="outputDirectory"/>,
    /// the others into seeds/seed-K below it (<see cref="Recipe.SeedFolder"/>, <see cref="Recipe.ForSeed"/>), each
    /// resumable on its own. Each seed run builds its plan once. Each stage is validated once: a recipe that
    /// <see cref="Recipe.Validated"/> checked (every one <see cref="Recipe.Load"/> returns) is not validated again;
    /// any other (built in code, or changed with <c>with</c>) is validated by each seed run before its first stage.
    /// </summary>
    /// <param name="starting">Hears of each stage before it runs (a notebook names the stage an error came from).</param>
    /// <param name="source">Where base model, data and probes come from; null: the recipe's files (a world recipe
    /// needs the world's source, which the world experiment's layer supplies).</param>
    /// <param name="recovery">Changed stages: refused (default), run in new folders, or named ones started again.</param>
    /// <param name="seedFinished">Hears of each seed run as it finishes (its index and result), before the next starts,
    /// so a caller can report on the seeds done while the others run.</param>
    public static RecipeResult Run(Recipe recipe, string outputDirectory, ILogger? logger = null, IProgress<TrainingProgress>? progress = null,
        CancellationToken cancel = default, Action<PlannedStage>? starting = null, IRecipeSource? source = null, StageRecovery? recovery = null,
        Action<int, RecipeResult>? seedFinished = null)
    {
        if (recipe.Seeds < 1) throw new Errors.ConfigException("recipe", "seeds", $"must be ≥ 1, got {recipe.Seeds}");
        source ??= SourceOf(recipe);
        var watch = Stopwatch.StartNew();
        var log = logger ?? LineLogger.None;
        var results = new List<RecipeResult>();
        // The check Validated made holds for every seed run: ForSeed changes only seeds, which no check reads.
        bool validated = recipe.PlanValidated;
        for (int i = 0; i < recipe.Seeds; i++)
        {
            var folder = Recipe.SeedFolder(outputDirectory, i);
            if (recipe.Seeds > 1) log.Line($"seed run {i + 1} of {recipe.Seeds}: {folder}");
            results.Add(RunOne(recipe.ForSeed(i), validated, folder, log, progress, cancel, starting, source, recovery));
            seedFinished?.Invoke(i, results[^1]);
        }
        return results[0] with { Elapsed = watch.Elapsed, SeedResults = results };
    }

    /// <summary>The default source: the recipe's files; a world recipe must be given the world's.</summary>
    public static IRecipeSource SourceOf(Recipe recipe) => recipe.World is null ? FileRecipeSource.Instance
        : throw new Errors.ConfigException("recipe", "world", "a world recipe runs with the world's source (WorldRecipe.Source), which writes its datasets and pretrains its base model: pass it as source");

    private static RecipeResult RunOne(Recipe recipe, bool validated, string outputDirectory, ILogger log, IProgress<TrainingProgress>? progress, CancellationToken cancel,
        Action<PlannedStage>? starting, IRecipeSource source, StageRecovery? recovery)
    {
        var watch = Stopwatch.StartNew();
        var run = new RunDirectory(outputDirectory);
        using var writer = run.LockForWriting();
        IO.AtomicFile.WriteAllText(Path.Combine(run.Root, "recipe.json"), recipe.ToJson());
        using var inputs = source.Prepare(recipe, run, log, progress);
        var plan = recipe.Plan(inputs.DataPath, inputs.BaseModel);   // once per seed run
        log.Line($"recipe: {plan.Stages.Count} stages, {inputs.Describe(recipe.Probes.Generation)}");
        if (!validated) plan.Validate();
        var results = plan.RunValidated(run, inputs.Probes(recipe.Probes.Generation, run), log, progress, cancel, starting, inputs.RewardAudit, recovery);
        return new RecipeResult(run, results, watch.Elapsed);
    }
}
