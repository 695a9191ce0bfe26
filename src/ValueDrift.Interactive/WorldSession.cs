using Microsoft.Extensions.Logging;
using ValueDrift.Common;
using ValueDrift.Drift;
using ValueDrift.Errors;
using ValueDrift.Experiments;
using ValueDrift.Reporting;
using ValueDrift.World;
using ValueDrift.WorldRuns;

namespace ValueDrift.Interactive;

/// <summary>
/// The synthetic world one stage at a time, for notebooks: <see cref="Start"/> writes the world's datasets, loads
/// (or pretrains and caches) the base model, builds the probes and measures the base model; each
/// <see cref="Run(string, StageChange?)"/> then trains one stage from a previous stage's checkpoint and returns a
/// <see cref="StageChange"/>, which displays as the chart of stance change since that checkpoint. A thin layer over
/// <see cref="WorldExperiment.Prepare"/>, the world's plan (built once per session) and the stage-cell core
/// <see cref="StageSession"/> it shares with <see cref="ModelSession"/>: it measures exactly as the demo does.
/// </summary>
public sealed class WorldSession
{
    private readonly WorldSetup _setup;
    private readonly StageSession _core;

    private WorldSession(WorldExperimentOptions options, WorldSetup setup, StageSession core)
    {
        Options = options;
        _setup = setup;
        _core = core;
        Plan = WorldExperiment.Plan(options, setup.DataPath, setup.BaseModel);
    }

    public WorldExperimentOptions Options { get; }

    /// <summary>The run folder: data/, stages/, trace.jsonl, trace-likelihood.jsonl, config.json.</summary>
    public RunDirectory Folder => _setup.Run;

    /// <summary>The base model's folder (in the cache).</summary>
    public string BaseModel => _setup.BaseModel;

    /// <summary>The world's datasets with their measured stance profiles.</summary>
    public WorldProfile Profile => _setup.Profile;

    /// <summary>The stages run so far in this session, in order.</summary>
    public IReadOnlyList<StageChange> Stages => _core.Stages;

    /// <summary>Where progress lines go (default <see cref="SessionLog.Default"/>: nowhere where the cell's live output shows the progress, standard output elsewhere).</summary>
    public ILogger Logger { get => _core.Logger; set => _core.Logger = value; }

    /// <summary>The world's plan at <see cref="Options"/>' sizes (<see cref="WorldExperiment.Plan"/>), built once: its stages are what <see cref="Stage"/> returns.</summary>
    public StagePlan Plan { get; }

    /// <summary>
    /// Prepares a run in <see cref="WorldExperimentOptions.OutputDirectory"/> and measures the base model (phase "base").
    /// Unless <paramref name="resume"/> is set, the folder's earlier traces and stage checkpoints are removed first, so
    /// re-running a notebook from the top measures afresh (the cached base model is kept).
    /// </summary>
    /// <remarks>
    /// In a notebook one output shows the progress (pretraining when the base model is not cached yet, then the base
    /// model's measurement with its stance bars) and shrinks to one line when done.
    /// </remarks>
    public static WorldSession Start(WorldExperimentOptions options, bool resume = false, ILogger? logger = null)
    {
        var log = logger ?? SessionLog.Default();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var progress = StageProgress.Start("starting the session (base model: pretrained once, then cached)", log);
        if (!resume) StageSession.Clear(new RunDirectory(options.OutputDirectory));
        var setup = WorldExperiment.Prepare(options, log, progress);
        var core = new StageSession(setup.BaseModel, setup.Run, setup.Probes.Traced(setup.Run), (int)options.Seed, log)
        {
            RewardAudit = WorldRewardAudit.Source(options.World.Topics),
        };
        core.MeasureBase(progress);
        progress.Finish(FormattableString.Invariant($"session ready in {clock.Elapsed.TotalSeconds:0} s; base model {setup.BaseModel}"));
        return new WorldSession(options, setup, core);
    }

    /// <summary>Where base models and PPO's reward models are cached: <see cref="WorldExperimentOptions.CacheRoot"/>, else the demo's default ($VALUEDRIFT_CACHE or ~/.cache/valuedrift).</summary>
    public string CacheRoot => Options.CacheRoot ?? World.BaseModel.DefaultCacheRoot;

    /// <summary>The names of the world's stages (<see cref="Plan"/>): sft-neutral, sft-supportive, dpo-standard, …, ppo-oppose-aligned.</summary>
    public IReadOnlyList<string> StageNames => Plan.Stages.Select(s => s.Stage.Name).ToList();

    /// <summary>
    /// The world's stage of that name, sized by <see cref="Options"/>; change it with <c>with { ... }</c>, and its
    /// algorithm's settings with <see cref="StageEdits.With{TAlgorithm}"/>, before running.
    /// </summary>
    public Stage Stage(string name) =>
        Plan.Stages.Select(s => s.Stage).FirstOrDefault(s => s.Name == name)
        ?? throw new ConfigException("stage", "name", $"no stage '{name}' in the world; stages: {string.Join(", ", StageNames)}");

    /// <summary>The path of a world dataset in the run's data folder (names in <see cref="WorldDatasets"/>).</summary>
    public string DataPath(string dataset) => _setup.DataPath(dataset);

    /// <summary>Runs the world's stage of that name from <paramref name="from"/>'s final checkpoint (null: the base model).</summary>
    public StageChange Run(string stage, StageChange? from = null) => Run(Stage(stage), from);

    /// <summary>
    /// Trains <paramref name="stage"/> from <paramref name="from"/>'s final checkpoint (null: the base model), probing
    /// on the dense-early schedule into the run's traces. A stage already trained in this folder is read back, not
    /// trained again.
    /// </summary>
    public StageChange Run(Stage stage, StageChange? from = null) => Run(stage, from, KernelDisplay.CellCancellation());

    /// <summary>
    /// <see cref="Run(Stage, StageChange?)"/> that stops at the next step once <paramref name="cancel"/> is set (in a
    /// notebook the cell's interrupt does this): the stage's measurements so far stay in the trace and the result says
    /// it was interrupted; running the stage again continues from the step it stopped at. PPO's reward model comes from the cache when the
    /// same one was trained before (<see cref="Training.Algorithms.RewardModelCache"/> under <see cref="CacheRoot"/>).
    /// </summary>
    public StageChange Run(Stage stage, StageChange? from, CancellationToken cancel) =>
        _core.Run(stage.WithRewardModelCache(Training.Algorithms.RewardModelCache.In(CacheRoot).Root), from, cancel);

    /// <summary>
    /// Runs stages already run in this session again under other training seeds (Seed + 1, Seed + 2, …; training
    /// order, PPO's sampling), each from <paramref name="from"/>'s final checkpoint, as phases "&lt;stage&gt;-seedN",
    /// and returns one drift table per seed with the stages' own phase names (the first: the runs given), ready for
    /// <see cref="SeedSummary.From(IReadOnlyList{DriftTable}, double)"/> and <see cref="WorldExperimentReport.Findings(IReadOnlyList{DriftTable})"/>.
    /// The SFT checkpoint is shared, so the intervals cover the preference stage's training noise.
    /// </summary>
    public IReadOnlyList<DriftTable> RunSeeds(IReadOnlyList<StageChange> runs, StageChange from, int seeds, bool likelihood = false)
    {
        if (seeds < 1) throw new ConfigException("session", "seeds", $"must be ≥ 1, got {seeds}");
        for (int k = 2; k <= seeds; k++)
            foreach (var stage in runs.Select(r => r.Result.Stage))
                Run(stage with { Name = $"{stage.Name}-seed{k}", Training = stage.Training with { Seed = stage.Training.Seed + k - 1 } }, from);
        return SeedTables(runs, seeds, likelihood);
    }

    /// <summary>
    /// The per-seed drift tables of stages <see cref="RunSeeds"/> already ran, read from the trace without running
    /// anything (e.g. the likelihood probe's reading of the same runs).
    /// </summary>
    public IReadOnlyList<DriftTable> SeedTables(IReadOnlyList<StageChange> runs, int seeds, bool likelihood = false)
    {
        if (seeds < 1) throw new ConfigException("session", "seeds", $"must be ≥ 1, got {seeds}");
        var table = DriftTable(likelihood);
        var phases = runs.Select(r => r.Phase).ToHashSet();
        return Enumerable.Range(1, seeds).Select(k => new Drift.DriftTable(table.Rows
            .Where(r => k == 1 ? phases.Contains(r.Phase) : r.Phase.EndsWith($"-seed{k}") && phases.Contains(r.Phase[..^$"-seed{k}".Length]))
            .Select(r => k == 1 ? r : r with { Phase = r.Phase[..^$"-seed{k}".Length] }).ToList())).ToList();
    }

    /// <summary>Every measurement of the generation probe so far (the base model first, then the stages in the order run).</summary>
    public Trajectory Trajectory() => _core.Trajectory();

    /// <summary>The likelihood probe's measurements (null when <see cref="WorldExperimentOptions.LikelihoodProbe"/> is off).</summary>
    public Trajectory? LikelihoodTrajectory() => _core.LikelihoodTrajectory();

    /// <summary>Drift magnitude and drift time of every stage run so far, per topic and stance (generation probe, or the likelihood probe).</summary>
    public DriftTable DriftTable(bool likelihood = false) => _core.DriftTable(likelihood);

    /// <summary>The value gap of each preference set per topic: p(chosen) − p(rejected), judged exactly by the world.</summary>
    public IReadOnlyList<ValueGap> ValueGaps() => WorldExperimentReport.ValueGaps(Profile);
}
