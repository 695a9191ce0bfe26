using Microsoft.Extensions.Logging;
using ValueDrift.Common;
using System.Diagnostics;
using System.Text.Json.Nodes;
using ValueDrift.Data;
using ValueDrift.Drift;
using ValueDrift.Errors;
using ValueDrift.Models;
using ValueDrift.Probes;
using ValueDrift.Training;
using ValueDrift.Training.Algorithms;

namespace ValueDrift.Experiments;

/// <summary>
/// Runs one <see cref="Stage"/> from a starting checkpoint — the one road every caller takes (the CLI's
/// <c>train</c>, notebook cells, the world experiment): reads and tokenises the stage's data with the start
/// checkpoint's text tools, lets the stage's algorithm build its training step, drives it with the one
/// <see cref="TrainingLoop"/>, and measures stances on a dense-early schedule into every trace target (step 0 is the
/// starting checkpoint).
/// <para>The stage folder's stage.json (<see cref="StageManifest"/>) records the stage: a folder whose stage matches
/// is resumed from its newest checkpoint, or reused when finished; a folder holding a different stage is refused
/// with the fields that changed (or, with <see cref="StageChangePolicy.NewFolder"/>, left alone for a new one).</para>
/// </summary>
public sealed class StageRunner
{
    private readonly RunDirectory? _run;
    private readonly IReadOnlyList<TraceTarget> _traces;
    /// <summary>The last measurement of each checkpoint a stage ended on, per trace: reused as step 0 of stages starting there.</summary>
    private readonly Dictionary<(TraceTarget, string), IReadOnlyList<TraceRecord>> _finalMeasurements = new();
    /// <summary>The generation probe's judged answers at the last step of each stage measured in this run, by final checkpoint folder.</summary>
    private readonly Dictionary<string, IReadOnlyList<JudgedAnswer>> _finalAnswers = new();

    /// <param name="run">The multi-stage run whose stages/&lt;name&gt; folders hold the stages.</param>
    /// <param name="traces">Probes and the traces they append to (none: train without measuring).</param>
    public StageRunner(RunDirectory run, IReadOnlyList<TraceTarget> traces)
    {
        _run = run;
        _traces = traces;
    }

    /// <summary>A runner for stages whose folders are given to each <see cref="Run(Stage, string, string, CancellationToken)"/>.</summary>
    public StageRunner(IReadOnlyList<TraceTarget>? traces = null) => _traces = traces ?? [];

    /// <summary>Progress of the training loop (reward-model training reports under the name "reward").</summary>
    public IProgress<TrainingProgress>? Progress { get; set; }
    /// <summary>Notable events ("sft-neutral: dpo on pairs.jsonl from …", skipped bad rows), for a console or a notebook.</summary>
    public ILogger Logger { get; set; } = LineLogger.None;
    /// <summary>What to do when a folder holds a different stage (default: refuse).</summary>
    public StageChangePolicy OnChange { get; set; } = StageChangePolicy.Refuse;
    /// <summary>
    /// Let a matching stage continue past the steps it was run with (the CLI's <c>--resume</c> with more
    /// <c>--steps</c>). Off by default: with a decaying schedule more steps is a different run.
    /// </summary>
    public bool AllowMoreSteps { get; set; }
    /// <summary>
    /// Held-out answers of known stance for a PPO stage's reward-model audit (reward-audit.json). Null: with a
    /// generation-probe trace, the start checkpoint's judged probe answers (<see cref="StartAnswersRewardAuditor"/>);
    /// without one, no audit.
    /// </summary>
    public RewardAuditSource? RewardAudit { get; set; }

    /// <summary>
    /// Measure each checkpoint's KL from the stage's start (<c>kl_from_start</c> in generation-probe traces; default
    /// on). A LoRA stage scores the start with its adapters off; a full-weight stage keeps a frozen copy of the start
    /// checkpoint in memory while it trains (loaded at the first probe), one more copy of the weights.
    /// </summary>
    public bool MeasureDivergence { get; set; } = true;

    /// <summary>
    /// How to start a changed stage again, given its name, completing the refusal's sentence "to start it again, …" (the
    /// CLI gives its exact command: <c>--new-folder</c>, <c>--restart-stage NAME</c>). Null: the library's ways.
    /// </summary>
    public Func<string, string>? RestartAdvice { get; set; }

    /// <summary>Runs <paramref name="stage"/> in the run's stages/&lt;name&gt; folder.</summary>
    public StageResult Run(Stage stage, string startModel, CancellationToken cancel = default) =>
        Run(stage, startModel, (_run ?? throw new InvalidOperationException("this runner has no run folder: give the stage folder")).StageDirectory(stage.Name), cancel);

    /// <summary>Runs <paramref name="stage"/> in <paramref name="stageDirectory"/>.</summary>
    public StageResult Run(Stage stage, string startModel, string stageDirectory, CancellationToken cancel = default)
    {
        stage.Validate();
        return RunValidated(stage, startModel, stageDirectory, cancel);
    }

    /// <summary>Runs a stage of a plan that <see cref="StagePlan.Validate"/> checked already, in the run's stages/&lt;name&gt; folder.</summary>
    internal StageResult RunValidated(Stage stage, string startModel, CancellationToken cancel) =>
        RunValidated(stage, startModel, (_run ?? throw new InvalidOperationException("this runner has no run folder: give the stage folder")).StageDirectory(stage.Name), cancel);

    private StageResult RunValidated(Stage stage, string startModel, string stageDirectory, CancellationToken cancel)
    {
        var watch = Stopwatch.StartNew();
        (stage, var dir, var writerLock) = Claim(stage, startModel, Path.GetFullPath(stageDirectory));
        using (writerLock) return RunClaimed(stage, startModel, dir, watch, cancel);
    }

    private StageResult RunClaimed(Stage stage, string startModel, string dir, Stopwatch watch, CancellationToken cancel)
    {
        var final = TrainingCheckpoint.FolderFor(dir, stage.Training.MaxSteps);
        if (TrainingCheckpoint.Latest(dir) is { } done && done.Step >= stage.Training.MaxSteps)
        {
            Logger.Line($"{stage.Name}: already complete ({done.Directory})");
            RememberFinal(stage, done.Directory);
            return new StageResult(stage, startModel, done.Directory, dir, [], watch.Elapsed, AlreadyComplete: true);
        }
        DropRecordsAfterCheckpoint(stage, dir);
        var schedule = ProbeSchedule.DenseEarly(stage.Training.MaxSteps, stage.ProbeEvery);
        // π_start for kl_from_start; a frozen copy is loaded only at the first probe that needs it.
        using var startPolicy = !MeasureDivergence ? null : stage.Policy.Lora is not null ? StartPolicy.AdaptersOff() : StartPolicy.Load(startModel);
        // Real data: a PPO stage's reward model is audited on the answers the generation probe judges at step 0.
        var answerTrace = RewardAudit is null ? _traces.FirstOrDefault(t => t.Probe is GenerationProbe) : null;
        var startAudit = answerTrace is null ? null : new StartAnswersRewardAuditor();
        IReadOnlyList<JudgedAnswer>? startAnswers = null, finalAnswers = null;
        var recorders = _traces.Select(t =>
        {
            var recorder = new TrajectoryRecorder(t.Probe, t.Writer, stage.Name, schedule) { Start = startPolicy };
            if (t == answerTrace)
            {
                if (_finalAnswers.TryGetValue(Path.GetFullPath(startModel), out var kept)) startAnswers = kept;
                recorder.Measured += (step, result) =>
                {
                    if (step == 0) startAnswers = JudgedAnswers(result);
                    if (step == stage.Training.MaxSteps) finalAnswers = JudgedAnswers(result);
                };
            }
            if (_finalMeasurements.TryGetValue((t, Path.GetFullPath(startModel)), out var start)) recorder.Reuse(0, start);
            return recorder;
        }).ToList();
        bool resume = TrainingCheckpoint.Latest(dir) is not null;
        Logger.Line($"{stage.Name}: {stage.Algorithm.Name} on {Path.GetFileName(stage.DataPath)} from {startModel}{(resume ? " (resuming)" : "")}");

        var config = StagePreflight.StartConfig(startModel);
        StagePreflight.CheckContext(stage, config, startModel);
        var inputs = new StageInputs(startModel, config, stage.MaxLength, stage.SkipBadRows, Logger);
        StagePreflight.ReadAndCheckMemory(stage, config, startModel, inputs);   // the rows stay in inputs for the step
        var context = new AlgorithmContext
        {
            Stage = stage.Name, StartModel = startModel, Inputs = inputs, DataPath = stage.DataPath, Loop = stage.Training,
            RunDirectory = dir, Policy = stage.Policy, Progress = Progress, Logger = Logger, Cancel = cancel, RewardAuditor = RewardAudit is not null ? new RewardAuditor(RewardAudit) : startAudit,
        };
        IReadOnlyList<(int, IReadOnlyDictionary<string, double>)> history;
        using (var step = stage.Algorithm.CreateStep(context))
        using (var loop = new TrainingLoop(step, stage.Training, dir, startModel, stage.Policy) { Progress = Progress })
        {
            foreach (var r in recorders) r.Attach(loop);
            // After the recorders, so step 0's answers are judged when the audit asks for them.
            if (startAudit is not null) loop.Started += e => AuditOnStartAnswers(e, stage.Name, dir, startAudit, (GenerationProbe)answerTrace!.Probe, startAnswers);
            loop.Run(resume, cancel);
            if (!loop.OptimizerRestored) Logger.Warn($"{stage.Name}: resumed from a checkpoint saved without optimizer state; AdamW's moments restarted from zero");
            history = loop.History;
        }
        if (!Directory.Exists(final) && !cancel.IsCancellationRequested)
            throw new TrainingException($"{stage.Name}: training ended without its final checkpoint {final}");
        if (!cancel.IsCancellationRequested)
        {
            RememberFinal(stage, final);
            if (finalAnswers is not null) _finalAnswers[Path.GetFullPath(final)] = finalAnswers;
        }
        return new StageResult(stage, startModel, final, dir, history, watch.Elapsed, AlreadyComplete: false);
    }

    private static IReadOnlyList<JudgedAnswer> JudgedAnswers(ProbeResult result) => result.Topics.SelectMany(t => t.JudgedAnswers ?? []).ToList();

    /// <summary>
    /// The audit PPO asked for, on the start checkpoint's judged probe answers: those of step 0's measurement, or —
    /// where step 0 reused a measurement read from the trace, whose texts are not kept — the probe's answers sampled
    /// from the start checkpoint again (the same answers: the probe is deterministic). A stage resumed past its start
    /// keeps the audit written when it started.
    /// </summary>
    private void AuditOnStartAnswers(TrainingStartedEvent e, string stage, string dir, StartAnswersRewardAuditor audit, GenerationProbe probe, IReadOnlyList<JudgedAnswer>? answers)
    {
        if (!audit.Pending) return;
        if (e.Step > 0)
        {
            audit.Cancel();
            if (!File.Exists(Path.Combine(dir, global::ValueDrift.Experiments.RewardAudit.FileName)))
                Logger.Line($"{stage}: no reward-model audit (resumed at step {e.Step}; the start checkpoint's probe answers were not judged in this run)");
            return;
        }
        if (answers is null)
        {
            Logger.Line($"{stage}: sampling the start checkpoint's probe answers again for the reward-model audit (its measurement was read from the trace)");
            answers = JudgedAnswers(probe.Measure(e.Policy));
        }
        audit.Complete(answers);
    }

    /// <summary>
    /// The folder this stage runs in, its stage.json written and its writer lock held (<see cref="IO.WriterLock"/>: a
    /// second process writing the same folder is refused naming this one): the given one when it is new or holds this
    /// very stage; otherwise refused, or (<see cref="StageChangePolicy.NewFolder"/>) the first "&lt;folder&gt;.k" that
    /// is new or matches, with the phase renamed to match.
    /// </summary>
    private (Stage, string, IO.WriterLock) Claim(Stage stage, string startModel, string dir)
    {
        for (int k = 1; ; k++)
        {
            var candidate = k == 1 ? stage : stage with { Name = $"{stage.Name}.{k}" };
            var folder = k == 1 ? dir : $"{dir}.{k}";
            var held = IO.WriterLock.Folder(folder, "stage folder");
            bool claimed = false;
            try
            {
                if (TryClaim(candidate, startModel, folder, stage.Name))
                {
                    claimed = true;
                    return (candidate, folder, held);
                }
            }
            finally { if (!claimed) held.Dispose(); }
        }
    }

    /// <summary>Whether <paramref name="folder"/> is new or holds <paramref name="candidate"/> (then its stage.json is written); false: try the next folder.</summary>
    private bool TryClaim(Stage candidate, string startModel, string folder, string name)
    {
        var wanted = StageManifest.Describe(candidate, startModel);
        var existing = StageManifest.TryRead(folder);
        if (existing is null)
        {
            if (TrainingCheckpoint.Latest(folder) is not null)
            {
                if (OnChange == StageChangePolicy.NewFolder) return false;
                throw new ConfigException(StageManifest.PathIn(folder), "definition",
                    "missing: this stage folder holds checkpoints but no record of the stage that wrote them, so it cannot be resumed or reused; choose another folder");
            }
            StageManifest.Write(folder, wanted);
            return true;
        }
        var allChanges = StageManifest.Differences(existing, wanted);
        IReadOnlyList<string> changes = AllowMoreSteps ? allChanges.Where(c => !IsMoreSteps(c)).ToList() : allChanges;
        if (changes.Count == 0)
        {
            // More steps allowed: record the new count. Moved inputs (a cleared or moved cache whose base model was
            // built again elsewhere, found by its fingerprint): record where they are now, for whoever reads the folder.
            if (StageManifest.LocationsDiffer(existing, wanted))
                Logger.Line($"{name}: found its inputs by content at new places ({string.Join("; ", StageManifest.MovedLocations(existing, wanted))}); " +
                    $"same fingerprints, so {folder} is kept and its record now names where they are");
            if (allChanges.Count > 0 || StageManifest.LocationsDiffer(existing, wanted)) StageManifest.Write(folder, wanted);
            return true;
        }
        if (TrainingCheckpoint.Latest(folder) is not { } progress)
        {
            // It failed before its first checkpoint (bad data, a memory refusal): nothing to keep, so the corrected
            // definition takes the folder over; its metrics and trace records are cut back to the start on the way.
            StageManifest.Write(folder, wanted);
            Logger.Line($"{name}: replacing the stage recorded in {folder}, which stopped before its first checkpoint (changed: {string.Join("; ", changes)})");
            return true;
        }
        if (OnChange == StageChangePolicy.NewFolder) return false;
        throw new ConfigException(StageManifest.PathIn(folder), "definition",
            $"this folder holds a different '{name}' stage with progress (checkpoint step {progress.Step}); changed: {string.Join("; ", changes)}. " +
            "To continue it, run it as its stage.json records it; to start it again, " +
            (RestartAdvice?.Invoke(name) ?? "give the stage a new name or folder, or let the runner start a new folder (StageChangePolicy.NewFolder)"));
    }

    private static bool IsMoreSteps(string change)
    {
        const string prefix = "training.max_steps: ";
        if (!change.StartsWith(prefix, StringComparison.Ordinal)) return false;
        var parts = change[prefix.Length..].Split(" → ");
        return parts.Length == 2 && int.TryParse(parts[0], out int old) && int.TryParse(parts[1], out int now) && now >= old;
    }

    /// <summary>
    /// The stage restarts from its newest checkpoint (or from scratch): records its traces hold for later steps were
    /// taken by a run that was stopped, and would be taken again — dropped, so no step is counted twice.
    /// </summary>
    private void DropRecordsAfterCheckpoint(Stage stage, string dir)
    {
        int keepUpTo = TrainingCheckpoint.Latest(dir)?.Step ?? -1;
        foreach (var t in _traces)
        {
            int dropped = t.Writer.Prune(r => r.Phase != stage.Name || r.Step <= keepUpTo);
            if (dropped > 0)
                Logger.Line($"{stage.Name}: dropped {dropped} record(s) of {Path.GetFileName(t.Writer.Path)} taken after " +
                    (keepUpTo < 0 ? "the start (no checkpoint was saved)" : $"checkpoint step {keepUpTo}") + "; they are measured again");
        }
    }

    /// <summary>Remembers what each trace holds for the stage's last step, keyed by the final checkpoint's folder.</summary>
    private void RememberFinal(Stage stage, string finalCheckpoint)
    {
        foreach (var t in _traces)
        {
            var records = TraceReader.Read(t.Writer.Path).Records.Where(r => r.Phase == stage.Name && r.Step == stage.Training.MaxSteps).ToList();
            if (records.Count > 0) _finalMeasurements[(t, Path.GetFullPath(finalCheckpoint))] = records;
        }
    }
}
