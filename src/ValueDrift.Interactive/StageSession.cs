using Microsoft.Extensions.Logging;
using ValueDrift.Common;
using ValueDrift.Drift;
using ValueDrift.Errors;
using ValueDrift.Experiments;
using ValueDrift.Probes;

namespace ValueDrift.Interactive;

/// <summary>
/// The work of a notebook stage cell, shared by <see cref="WorldSession"/> and <see cref="ModelSession"/>: a base
/// model, a run folder and its traced probes; <see cref="MeasureBase"/> measures the base model once, and each
/// <see cref="Run"/> prunes what an unfinished run of the stage left in the traces, trains the stage through
/// <see cref="StageRunner"/> with live progress (<see cref="StageProgress"/>), stops at the next step when the cell is
/// interrupted, turns a failure into one line (<see cref="StageFailedException"/>) and returns the
/// <see cref="StageChange"/>. The two sessions differ only in what they build around it (the world's datasets and
/// stages; a checkpoint, probe file and judge).
/// </summary>
internal sealed class StageSession(string baseModel, RunDirectory folder, IReadOnlyList<TracedProbe> probes, int seed, ILogger logger)
{
    private readonly List<StageChange> _stages = [];

    /// <summary>The checkpoint every stage without a <c>from</c> starts at.</summary>
    public string BaseModel { get; } = baseModel;

    public RunDirectory Folder { get; } = folder;

    /// <summary>Seed of the drift tables' bootstraps.</summary>
    public int Seed { get; } = seed;

    public ILogger Logger { get; set; } = logger;

    /// <summary>Where a stage's reward audit reads the stance of preference answers (the world's exact lookup; none elsewhere).</summary>
    public RewardAuditSource? RewardAudit { get; init; }

    /// <summary>The stages run so far, in order (an interrupted stage is not one of them).</summary>
    public IReadOnlyList<StageChange> Stages => _stages;

    /// <summary>The likelihood probe's trace, when one of the probes is a likelihood probe.</summary>
    private string? LikelihoodTracePath => probes.FirstOrDefault(p => p.Probe is LikelihoodProbe)?.TracePath;

    /// <summary>
    /// Removes the run folder's traces and stage checkpoints, so re-running a notebook from the top measures afresh
    /// (caches elsewhere, and the judgement cache in the folder, are kept).
    /// </summary>
    public static void Clear(RunDirectory run)
    {
        foreach (var file in new[] { run.TracePath, run.LikelihoodTracePath })
            if (File.Exists(file)) File.Delete(file);
        var stages = Path.Combine(run.Root, "stages");
        if (Directory.Exists(stages)) Directory.Delete(stages, recursive: true);
    }

    /// <summary>Measures the base model as phase <see cref="StagePlan.BasePhase"/> into each trace that lacks it, its bars shown in <paramref name="progress"/>.</summary>
    public void MeasureBase(StageProgress progress)
    {
        using var traces = TracedProbe.Open(probes);
        StagePlan.MeasureBase(BaseModel, Observed(traces.Targets, progress), Logger);
    }

    /// <summary>
    /// Trains <paramref name="stage"/> from <paramref name="from"/>'s final checkpoint (null: the base model), probing
    /// into the run's traces. A stage already trained in this folder is read back; one stopped midway resumes from its
    /// newest checkpoint. Once <paramref name="cancel"/> is set it stops at the next step: the measurements so far stay
    /// in the trace and the result says it was interrupted.
    /// </summary>
    public StageChange Run(Stage stage, StageChange? from, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(stage);
        if (from is { Interrupted: true })
            throw new ConfigException("session", "from", $"stage '{from.Phase}' was interrupted and has no final checkpoint; run it again first");
        var start = from?.FinalCheckpoint ?? BaseModel;
        var fromPhase = from?.Phase ?? StagePlan.BasePhase;
        new StagePlan(BaseModel, [new PlannedStage(stage, null)]).PruneUnfinished(Folder, probes.Select(p => p.TracePath));
        var progress = StageProgress.Start(FormattableString.Invariant($"{stage.Name} from {fromPhase}"), Logger);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        StageResult result;
        bool interrupted;
        using (var traces = TracedProbe.Open(probes))
        {
            var runner = new StageRunner(Folder, Observed(traces.Targets, progress)) { Logger = Logger, Progress = progress, RewardAudit = RewardAudit };
            try { result = runner.Run(stage, start, cancel); }
            catch (Exception e) when (cancel.IsCancellationRequested && e is not OutOfMemoryException)
            {   // stopped inside a helper (PPO's reward model): nothing of the stage itself is final
                result = new StageResult(stage, start, Folder.StageDirectory(stage.Name), Folder.StageDirectory(stage.Name), [], clock.Elapsed, AlreadyComplete: false);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw StageFailedException.Raise(stage.Name, e, progress);
            }
            interrupted = cancel.IsCancellationRequested && !result.AlreadyComplete && !Directory.Exists(result.FinalCheckpoint);
        }
        var change = StageChange.Measure(result, fromPhase, Trajectory(), LikelihoodTrajectory(), Seed) with { Interrupted = interrupted };
        progress.Finish(interrupted
            ? $"{stage.Name}: interrupted after {clock.Elapsed.TotalSeconds:0} s; the trace keeps what was measured"
            : FormattableString.Invariant($"{stage.Name}: {(result.AlreadyComplete ? "read back from the run folder" : $"trained in {clock.Elapsed.TotalSeconds:0} s")}"));
        if (!interrupted) _stages.Add(change);
        return change;
    }

    /// <summary>Every measurement of the generation probe so far (the base model first, then the stages in the order run).</summary>
    public Trajectory Trajectory() => Drift.Trajectory.FromTrace(Folder.TracePath);

    /// <summary>The likelihood probe's measurements (null without that probe or before it measured).</summary>
    public Trajectory? LikelihoodTrajectory() =>
        LikelihoodTracePath is { } path && File.Exists(path) ? Drift.Trajectory.FromTrace(path) : null;

    /// <summary>Drift magnitude and drift time of every stage run so far, per topic and stance (generation probe, or the likelihood probe).</summary>
    public DriftTable DriftTable(bool likelihood = false)
    {
        var t = likelihood ? LikelihoodTrajectory() ?? throw new ConfigException("session", "LikelihoodProbe", "the likelihood probe is off")
                           : Trajectory();
        // The base model is one measurement, not a phase that moved anything.
        return Drift.DriftTable.From(new Trajectory(t.Records().Where(r => r.Phase != StagePlan.BasePhase)), new DriftTableOptions { Seed = Seed });
    }

    /// <summary>The trace targets with probes that report to <paramref name="progress"/>.</summary>
    private static IReadOnlyList<TraceTarget> Observed(IReadOnlyList<TraceTarget> targets, StageProgress progress) =>
        targets.Select(t => t with
        {
            Probe = new ObservedProbe(t.Probe, t.Probe is GenerationProbe ? StageProgress.GenerationProbeName : "likelihood probe", progress),
        }).ToList();
}
