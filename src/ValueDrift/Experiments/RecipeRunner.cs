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
    /// <summary>Every seed's run folder, the first being <see cref="Run"/> (<see cref="Recipe.Seeds"/>).</summary>
    public IReadOnlyList<RunDirectory> SeedRuns { get; init; } = [];

    /// <summary>The drift of every seed's trace summarised per phase × topic × stance: mean and 95% interval across seeds.</summary>
    public SeedSummary SeedSummary(DriftTableOptions? options = null) =>
        Drift.SeedSummary.From((SeedRuns.Count > 0 ? SeedRuns : [Run]).Select(r => Trajectory.FromTrace(r.TracePath)).ToList(), options);
}

/// <summary>
/// Runs a <see cref="Recipe"/> into a run folder: the recipe as read (recipe.json), the base model measured, every
/// stage of <see cref="Recipe.Plan"/> trained and traced by the generation probe with the recipe's judge (the drift
/// report is written from the trace by the caller, e.g. <c>valuedrift reproduce</c>). A killed run, started again with the same recipe and folder, continues at
/// the stage and step where it stopped; a finished one is read back.
/// </summary>
public static class RecipeRunner
{
    /// <summary>Where a run keeps its judgement cache (a resumed or repeated run asks the judge nothing it asked before).</summary>
    public const string JudgementCacheFolder = "judge-cache";

    /// <summary>
    /// Runs the recipe once per seed (<see cref="Recipe.Seeds"/>): the first into <paramref name="outputDirectory"/>,
    /// the others into seeds/seed-K below it (<see cref="Recipe.ForSeed"/>), each resumable on its own.
    /// </summary>
    /// <param name="starting">Hears of each stage before it runs (a notebook names the stage an error came from).</param>
    /// <param name="worldCache">A world recipe's base-model cache (null: $VALUEDRIFT_CACHE or ~/.cache/valuedrift).</param>
    /// <param name="recovery">Changed stages: refused (default), run in new folders, or named ones started again.</param>
    public static RecipeResult Run(Recipe recipe, string outputDirectory, ILogger? logger = null, IProgress<TrainingProgress>? progress = null,
        CancellationToken cancel = default, Action<PlannedStage>? starting = null, string? worldCache = null, StageRecovery? recovery = null)
    {
        if (recipe.Seeds < 1) throw new Errors.ConfigException("recipe", "seeds", $"must be ≥ 1, got {recipe.Seeds}");
        var watch = Stopwatch.StartNew();
        var log = logger ?? LineLogger.None;
        RecipeResult? first = null;
        var runs = new List<RunDirectory>();
        for (int i = 0; i < recipe.Seeds; i++)
        {
            var folder = Recipe.SeedFolder(outputDirectory, i);
            if (recipe.Seeds > 1) log.Line($"seed run {i + 1} of {recipe.Seeds}: {folder}");
            var result = RunOne(recipe.ForSeed(i), folder, log, progress, cancel, starting, worldCache, recovery);
            first ??= result;
            runs.Add(result.Run);
        }
        return first! with { Elapsed = watch.Elapsed, SeedRuns = runs };
    }

    private static RecipeResult RunOne(Recipe recipe, string outputDirectory, ILogger log, IProgress<TrainingProgress>? progress, CancellationToken cancel,
        Action<PlannedStage>? starting, string? worldCache, StageRecovery? recovery)
    {
        var watch = Stopwatch.StartNew();
        recipe.Plan(baseModel: recipe.BaseModel ?? "world").Validate();
        var run = new RunDirectory(outputDirectory);
        using var writer = run.LockForWriting();
        IO.AtomicFile.WriteAllText(Path.Combine(run.Root, "recipe.json"), recipe.ToJson());
        if (recipe.World is not null) return RunWorld(recipe, run, log, progress, cancel, starting, worldCache, watch, recovery);

        var plan = recipe.Plan();
        var set = recipe.Probes.File is { } file ? ProbeSet.Load(file) : ProbeSet.OpenValues();
        var tokenizer = TokenizerLoader.FromFolder(plan.BaseModel);
        var template = ChatTemplate.ForModelFolder(plan.BaseModel, tokenizer);
        var judge = JudgeSpec.Open(recipe.Probes.Judge, Path.Combine(run.Root, JudgementCacheFolder), where: "probes.judge");
        try
        {
            var probe = new GenerationProbe(set, tokenizer, template, judge, recipe.Probes.Generation);
            log.Line($"recipe: {plan.Stages.Count} stages, {set.Questions.Count} probe questions × {recipe.Probes.Generation.Samples} answers per measurement");
            var results = plan.Run(run, [new TracedProbe(probe, run.TracePath)], log, progress, cancel, starting, recovery: recovery);
            return new RecipeResult(run, results, watch.Elapsed);
        }
        finally { (judge as IDisposable)?.Dispose(); }
    }

    /// <summary>
    /// A world recipe: the world's datasets written into the run's data folder, its base model pretrained once (cached),
    /// and its probes — the generation probe with the recipe's sampling, judged exactly, into trace.jsonl, and the
    /// likelihood probe into trace-likelihood.jsonl when the recipe asks for it.
    /// </summary>
    private static RecipeResult RunWorld(Recipe recipe, RunDirectory run, ILogger log, IProgress<TrainingProgress>? progress, CancellationToken cancel,
        Action<PlannedStage>? starting, string? cache, Stopwatch watch, StageRecovery? recovery)
    {
        var setup = WorldExperiment.Prepare(WorldRecipe.Options(recipe, run.Root) with { CacheRoot = cache }, log, progress, recipe.Probes.Generation);
        var plan = recipe.Plan(setup.DataPath, setup.BaseModel);
        log.Line($"recipe: {plan.Stages.Count} stages of the world, {setup.Probes.Generation.Probes.Questions.Count} probe questions × {recipe.Probes.Generation.Samples} answers per measurement");
        // PPO's reward model is audited on the world's held-out reference answers, as in the world experiment.
        var results = plan.Run(run, setup.Probes.Traced(run), log, progress, cancel, starting,
            rewardAudit: WorldRewardAudit.Source(setup.World.Topics), recovery: recovery);
        return new RecipeResult(run, results, watch.Elapsed);
    }
}
