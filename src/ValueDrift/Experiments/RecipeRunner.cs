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
    /// <param name="seedFinished">Hears of each seed run as it finishes (its index and result), before the next starts
    /// (with <paramref name="workers"/>: as each worker ends), so a caller can report on the seeds done while the others run.</param>
    /// <param name="workers">Run the seeds as worker processes (<see cref="SeedWorkers"/>); null: one after another in this process.</param>
    /// <param name="whileWorkersRun">Called every few seconds while workers run (a caller's interim report).</param>
    public static RecipeResult Run(Recipe recipe, string outputDirectory, ILogger? logger = null, IProgress<TrainingProgress>? progress = null,
        CancellationToken cancel = default, Action<PlannedStage>? starting = null, IRecipeSource? source = null, StageRecovery? recovery = null,
        Action<int, RecipeResult>? seedFinished = null, SeedWorkers? workers = null, Action? whileWorkersRun = null)
    {
        if (recipe.Seeds < 1) throw new Errors.ConfigException("recipe", "seeds", $"must be ≥ 1, got {recipe.Seeds}");
        source ??= SourceOf(recipe);
        var watch = Stopwatch.StartNew();
        var log = logger ?? LineLogger.None;
        if (workers is not null) return RunInWorkers(recipe, outputDirectory, log, progress, cancel, source, recovery, seedFinished, workers, whileWorkersRun, watch);
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

    /// <summary>
    /// The seed runs as worker processes: the first folder prepared here (the base model pretrained or read from the
    /// cache, once, before any worker reads it), every seed run by a worker (<see cref="RunSeed"/>), and each seed's
    /// result read back here from its folder as its worker ends (nothing trains again: every stage is complete).
    /// <paramref name="seedFinished"/> hears of seeds in the order they end.
    /// </summary>
    private static RecipeResult RunInWorkers(Recipe recipe, string outputDirectory, ILogger log, IProgress<TrainingProgress>? progress, CancellationToken cancel,
        IRecipeSource source, StageRecovery? recovery, Action<int, RecipeResult>? seedFinished, SeedWorkers workers, Action? whileWorkersRun, Stopwatch watch)
    {
        // Each worker applies the recovery to its seed (the launch passes it on); read back, stages restarted are complete.
        var readBack = recovery is null ? null : recovery with { RestartStages = [] };
        var first = new RunDirectory(outputDirectory);
        using (first.LockForWriting())
        using (source.Prepare(recipe, first, log, progress)) { }
        var results = new RecipeResult?[recipe.Seeds];
        var jobs = Enumerable.Range(0, recipe.Seeds).Select(i => (Index: i, Job: new WorkerJob($"seed {i + 1}", Recipe.SeedFolder(outputDirectory, i), () => workers.Launch(i)))).ToList();
        log.Line($"seed runs: {recipe.Seeds} in {Math.Min(workers.Pool.Count, recipe.Seeds)} worker process(es) × {WorkerProcesses.ThreadsPerWorker} thread(s)");
        workers.Pool.RunAll(jobs.Select(j => j.Job).ToList(), log, cancel, finished: job =>
        {
            int i = jobs.Single(j => j.Job == job).Index;
            results[i] = ReadBack(recipe.ForSeed(i), job.Folder, source, readBack, cancel);
            seedFinished?.Invoke(i, results[i]!);
        }, tick: whileWorkersRun, forward: true);
        var all = results.Select((r, i) => r ?? ReadBack(recipe.ForSeed(i), Recipe.SeedFolder(outputDirectory, i), source, readBack, cancel)).ToList();
        return all[0] with { Elapsed = watch.Elapsed, SeedResults = all };
    }

    /// <summary>
    /// A finished seed run's result, read from its folder (its stages complete: none trains, nothing is logged; its
    /// worker validated the plan, so it is not validated again here).
    /// </summary>
    private static RecipeResult ReadBack(Recipe recipe, string folder, IRecipeSource source, StageRecovery? recovery, CancellationToken cancel) =>
        RunOne(recipe, validated: true, folder, LineLogger.None, null, cancel, null, source, recovery);

    /// <summary>
    /// One seed run of <paramref name="recipe"/> (a worker process: <c>--seed-run K</c>) into its folder below
    /// <paramref name="outputDirectory"/>, with <see cref="WorkerProcesses.ThreadsPerWorker"/> threads whatever the
    /// worker count. The base model must exist already (the parent prepared it).
    /// </summary>
    public static RecipeResult RunSeed(Recipe recipe, string outputDirectory, int index, ILogger? logger = null, IProgress<TrainingProgress>? progress = null,
        CancellationToken cancel = default, IRecipeSource? source = null, StageRecovery? recovery = null)
    {
        if (index < 0 || index >= recipe.Seeds) throw new Errors.ConfigException("--seed-run", "index", $"must be from 0 to {recipe.Seeds - 1}, got {index}");
        TorchSharp.torch.set_num_threads(WorkerProcesses.ThreadsPerWorker);   // a worker process: its share, the same for any worker count
        return RunOne(recipe.ForSeed(index), recipe.PlanValidated, Recipe.SeedFolder(outputDirectory, index), logger ?? LineLogger.None, progress, cancel, null, source ?? SourceOf(recipe), recovery);
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
