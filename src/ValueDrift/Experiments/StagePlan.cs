using Microsoft.Extensions.Logging;
using ValueDrift.Common;
using ValueDrift.Drift;
using ValueDrift.Models;
using ValueDrift.Probes;
using ValueDrift.Training;

namespace ValueDrift.Experiments;

/// <summary>One stage of a plan and the stage it starts from (null: the base model).</summary>
public sealed record PlannedStage(Stage Stage, string? From);

/// <summary>
/// A multi-stage run: a base model and stages in order, each starting from the base model or from an earlier stage's
/// final checkpoint. The world experiment and every recipe are plans; <see cref="Run"/> executes one through
/// <see cref="StageRunner"/> — base model measured once as phase "base", each stage traced, a killed run continued at
/// the stage and step where it stopped.
/// </summary>
public sealed record StagePlan(string BaseModel, IReadOnlyList<PlannedStage> Stages)
{
    /// <summary>The phase name of the base model's one measurement.</summary>
    public const string BasePhase = "base";

    /// <summary>
    /// Runs every stage in order into <paramref name="run"/>'s stage folders, each probe appending to its trace
    /// (opened here, after records of unfinished stages were pruned, and closed at the end). <paramref name="starting"/>
    /// hears of each stage before it runs, so a caller can name the stage an error came from. The run folder is locked
    /// meanwhile: a second process running into it is refused at once, naming this one.
    /// </summary>
    public IReadOnlyList<StageResult> Run(RunDirectory run, IReadOnlyList<TracedProbe> probes, ILogger? logger = null,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancel = default, Action<PlannedStage>? starting = null,
        RewardAuditSource? rewardAudit = null, StageRecovery? recovery = null)
    {
        Validate();
        return RunValidated(run, probes, logger, progress, cancel, starting, rewardAudit, recovery);
    }

    /// <summary>
    /// <see cref="Run"/> for a plan whose stages were validated already: by <see cref="Validate"/>, or by
    /// <see cref="Recipe.Validated"/> for the recipe it was planned from (<see cref="RecipeRunner"/>).
    /// </summary>
    internal IReadOnlyList<StageResult> RunValidated(RunDirectory run, IReadOnlyList<TracedProbe> probes, ILogger? logger,
        IProgress<TrainingProgress>? progress, CancellationToken cancel, Action<PlannedStage>? starting,
        RewardAuditSource? rewardAudit, StageRecovery? recovery)
    {
        var log = logger ?? LineLogger.None;
        recovery ??= new StageRecovery();
        using var writer = run.LockForWriting();
        Restart(run, recovery.RestartStages, log);
        PruneUnfinished(run, probes.Select(p => p.TracePath));
        // Every stage's data, limits and memory plan checked before the base probe and the first stage: a bad second
        // file fails now, not after hours of the first stage.
        foreach (var (stage, _) in Stages)
            if (!(TrainingCheckpoint.Latest(run.StageDirectory(stage.Name))?.Step >= stage.Training.MaxSteps)) StagePreflight.Check(stage, BaseModel, log);
        using var traces = TracedProbe.Open(probes);
        var targets = traces.Targets;
        MeasureBase(BaseModel, targets, log);
        var runner = new StageRunner(run, targets) { Progress = progress, Logger = log, RewardAudit = rewardAudit, OnChange = recovery.OnChange, RestartAdvice = recovery.RestartAdvice };
        var results = new List<StageResult>();
        var finals = new Dictionary<string, string>();
        var sharing = SharingARewardModel();
        foreach (var (stage, from) in Stages)
        {
            cancel.ThrowIfCancellationRequested();
            starting?.Invoke(new PlannedStage(stage, from));
            var start = from is null ? BaseModel : finals[from];
            // validated above, with the rest of the plan
            var result = runner.RunValidated(sharing.Contains(stage.Name) ? stage.WithRewardModelCache(run.RewardModelCacheDirectory) : stage, start, cancel);
            cancel.ThrowIfCancellationRequested();
            log.Line($"{stage.Name}: done in {result.Elapsed.TotalSeconds:F0} s");
            results.Add(result);
            finals[stage.Name] = result.FinalCheckpoint;
        }
        return results;
    }

    /// <summary>
    /// The PPO stages that would train the same reward model as another stage of the plan (the KL sweep: one start, one
    /// data file): they share it through the run folder's cache, so it is trained once. A lone PPO stage keeps its
    /// reward model in its own folder only, with no second copy (a real reward model is as large as the policy).
    /// </summary>
    private HashSet<string> SharingARewardModel() =>
        Stages.Where(p => p.Stage.Algorithm.TrainsHelperModel)
            .GroupBy(p => (p.From, p.Stage.DataPath)).Where(g => g.Count() > 1)
            .SelectMany(g => g).Select(p => p.Stage.Name).ToHashSet();

    /// <summary>Names unique, every "from" an earlier stage, every stage valid — checked before any work.</summary>
    public void Validate()
    {
        var seen = new HashSet<string>();
        foreach (var (stage, from) in Stages)
        {
            stage.Validate();
            if (!seen.Add(stage.Name)) throw new Errors.ConfigException("plan", "stages", $"two stages are named '{stage.Name}'");
            if (from is not null && !seen.Contains(from))
                throw new Errors.ConfigException($"stage '{stage.Name}'", "from", $"'{from}' is not an earlier stage of the plan");
        }
    }

    /// <summary>
    /// Empties the folders of <paramref name="names"/> and of every stage starting from one of them, so they train
    /// again from scratch (their trace records are dropped by <see cref="PruneUnfinished"/>, as they have no checkpoint).
    /// </summary>
    private void Restart(RunDirectory run, IReadOnlyList<string> names, ILogger log)
    {
        if (names.Count == 0) return;
        var restart = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            if (!Stages.Any(p => p.Stage.Name == name))
                throw new Errors.ConfigException("--restart-stage", "stage", $"'{name}' is not a stage of this plan ({string.Join(", ", Stages.Select(p => p.Stage.Name))})");
            restart.Add(name);
        }
        foreach (var (stage, from) in Stages)   // in order, so a chain of stages is followed to its end
            if (from is not null && restart.Contains(from)) restart.Add(stage.Name);
        foreach (var (stage, _) in Stages.Where(p => restart.Contains(p.Stage.Name)))
        {
            var dir = run.StageDirectory(stage.Name);
            if (!Directory.Exists(dir)) continue;
            using var held = IO.WriterLock.Folder(dir, "stage folder");
            foreach (var entry in Directory.EnumerateFileSystemEntries(dir))
            {
                if (Path.GetFileName(entry) == IO.WriterLock.FolderLockName) continue;   // the lock stays with its holder
                if (Directory.Exists(entry)) Directory.Delete(entry, recursive: true); else File.Delete(entry);
            }
            log.Line($"{stage.Name}: starting again from scratch (its folder {dir} emptied{(names.Contains(stage.Name) ? "" : ", as it starts from a restarted stage")})");
        }
    }

    /// <summary>The base model is measured once, as phase "base" step 0, into each trace that lacks it.</summary>
    public static void MeasureBase(string baseModel, IReadOnlyList<TraceTarget> targets, ILogger log)
    {
        var missing = targets.Where(t => !TraceReader.Read(t.Writer.Path).Records.Any(r => r.Phase == BasePhase)).ToList();
        if (missing.Count == 0) return;
        log.Line("base: probing the base model");
        using var model = CausalLM.FromPretrained(baseModel);
        foreach (var t in missing)
            new TrajectoryRecorder(t.Probe, t.Writer, BasePhase, ProbeSchedule.At([0])).RecordNow(model, BasePhase, 0);
    }

    /// <summary>
    /// A stage that was interrupted restarts from its newest checkpoint (or from scratch); records it measured after
    /// that point are dropped so they are not duplicated when measured again. The traces must not be open.
    /// </summary>
    public void PruneUnfinished(RunDirectory run, IEnumerable<string> tracePaths)
    {
        var paths = tracePaths.ToList();
        foreach (var (stage, _) in Stages)
        {
            var latest = TrainingCheckpoint.Latest(run.StageDirectory(stage.Name));
            if (latest is { } l && l.Step >= stage.Training.MaxSteps) continue;
            int keepUpTo = latest?.Step ?? -1;
            foreach (var path in paths)
                TraceWriter.Prune(path, r => r.Phase != stage.Name || r.Step <= keepUpTo);
        }
    }
}
