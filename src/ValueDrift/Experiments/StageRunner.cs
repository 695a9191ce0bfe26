using System.Diagnostics;
using ValueDrift.Drift;
using ValueDrift.Errors;
using ValueDrift.Models;
using ValueDrift.Probes;
using ValueDrift.Training;
using ValueDrift.Training.Objectives;
using ValueDrift.Training.Ppo;

namespace ValueDrift.Experiments;

/// <summary>
/// Runs one <see cref="Stage"/> from a starting checkpoint: loads the model and its text tools, reads and tokenises
/// the stage's data, trains with the stage's algorithm, and measures stances on a dense-early schedule into every
/// trace target (step 0 is the starting checkpoint). A stage whose final checkpoint exists is not trained again;
/// a stage with an earlier checkpoint resumes from it. PPO first trains a reward model on the stage's preference
/// data (as the paper does) unless the stage names one.
/// </summary>
public sealed class StageRunner(RunDirectory run, IReadOnlyList<TraceTarget> traces)
{
    /// <summary>The last measurement of each checkpoint a stage ended on, per trace: reused as step 0 of stages starting there.</summary>
    private readonly Dictionary<(TraceTarget, string), IReadOnlyList<TraceRecord>> _finalMeasurements = new();

    /// <summary>Progress of the training loop (reward-model training reports under the name "reward").</summary>
    public IProgress<TrainingProgress>? Progress { get; set; }
    /// <summary>One line per notable event ("sft-neutral: probing step 20", ...), for a console or a notebook.</summary>
    public Action<string>? Log { get; set; }

    public StageResult Run(Stage stage, string startModel, CancellationToken cancel = default)
    {
        var watch = Stopwatch.StartNew();
        var dir = run.StageDirectory(stage.Name);
        var final = TrainingCheckpoint.FolderFor(dir, stage.Training.MaxSteps);
        if (TrainingCheckpoint.Latest(dir) is { } done && done.Step >= stage.Training.MaxSteps)
        {
            Log?.Invoke($"{stage.Name}: already complete ({done.Directory})");
            RememberFinal(stage, done.Directory);
            return new StageResult(stage, startModel, done.Directory, [], watch.Elapsed, AlreadyComplete: true);
        }
        Directory.CreateDirectory(dir);
        var schedule = ProbeSchedule.DenseEarly(stage.Training.MaxSteps, stage.ProbeEvery);
        var recorders = traces.Select(t =>
        {
            var recorder = new TrajectoryRecorder(t.Probe, t.Writer, stage.Name, schedule);
            if (_finalMeasurements.TryGetValue((t, Path.GetFullPath(startModel)), out var start)) recorder.Reuse(0, start);
            return recorder;
        }).ToList();
        bool resume = TrainingCheckpoint.Latest(dir) is not null;
        Log?.Invoke($"{stage.Name}: {stage.Kind} on {Path.GetFileName(stage.DataPath)} from {startModel}{(resume ? " (resuming)" : "")}");

        using var policy = CausalLM.FromPretrained(startModel);
        var inputs = new StageInputs(startModel, policy.Config, stage.MaxLength, skipBadRows: false, TextWriter.Null);
        IReadOnlyList<(int, IReadOnlyDictionary<string, double>)> history;
        if (stage.Kind == StageKind.Ppo)
            history = RunPpo(stage, startModel, policy, inputs, dir, recorders, resume, cancel);
        else
        {
            ITrainingObjective objective = stage.Kind switch
            {
                StageKind.Sft => new SftObjective(policy, inputs.Conversations(stage.DataPath), inputs.PadId),
                StageKind.Dpo => new DpoObjective(policy, inputs.Preferences(stage.DataPath), inputs.PadId, stage.DpoBeta),
                StageKind.SimPo => SimPoObjective.FromGammaBetaRatio(policy, inputs.Preferences(stage.DataPath), inputs.PadId, stage.SimPoBeta, stage.SimPoGammaBetaRatio),
                _ => throw new ConfigException(stage.Name, "kind", $"unknown stage kind {stage.Kind}"),
            };
            var trainer = new Trainer(objective, stage.Training, dir, startModel) { Progress = Progress };
            Observe(trainer, recorders);
            trainer.Run(resume, cancel);
            history = trainer.History;
        }
        if (!Directory.Exists(final) && !cancel.IsCancellationRequested)
            throw new TrainingException($"{stage.Name}: training ended without its final checkpoint {final}");
        if (!cancel.IsCancellationRequested) RememberFinal(stage, final);
        return new StageResult(stage, startModel, final, history, watch.Elapsed, AlreadyComplete: false);
    }

    private IReadOnlyList<(int, IReadOnlyDictionary<string, double>)> RunPpo(Stage stage, string startModel, CausalLM policy, StageInputs inputs,
        string dir, List<TrajectoryRecorder> recorders, bool resume, CancellationToken cancel)
    {
        var rewardDir = stage.RewardModelPath ?? TrainRewardModel(stage, startModel, inputs, dir, cancel);
        using var reference = CausalLM.FromPretrained(startModel);
        using var scorer = RewardModel.FromPretrained(rewardDir, requireHead: true);
        scorer.PadId = inputs.PadId;
        using var value = scorer.Copy();      // TRL initialises the value model from the reward model
        var options = new PpoOptions
        {
            Loop = stage.Training, KlCoef = stage.PpoKlCoefficient, ResponseLength = stage.PpoResponseLength,
            StopTokenIds = inputs.Tokenizer?.StopIds ?? policy.Config.EosTokenIds,
        };
        var prompts = inputs.Prompts(stage.DataPath, Math.Max(1, stage.MaxLength - options.ResponseLength));
        var trainer = new PpoTrainer(policy, reference, scorer, value, prompts, inputs.PadId, options, dir, startModel) { Progress = Progress };
        Observe(trainer, recorders);
        trainer.Run(resume, cancel);
        return trainer.History;
    }

    /// <summary>The stage's reward model: Bradley–Terry on its preference pairs, starting from the stage's start checkpoint.</summary>
    private string TrainRewardModel(Stage stage, string startModel, StageInputs inputs, string dir, CancellationToken cancel)
    {
        var rewardRun = Path.Combine(dir, "reward-model");
        var options = stage.Training with { MaxSteps = stage.RewardModelSteps, LearningRate = stage.RewardModelLearningRate, CheckpointEvery = 0 };
        var final = TrainingCheckpoint.FolderFor(rewardRun, options.MaxSteps);
        if (Directory.Exists(final)) return final;
        Log?.Invoke($"{stage.Name}: training the reward model ({options.MaxSteps} steps)");
        using var model = RewardModel.FromPretrained(startModel, requireHead: false);
        model.PadId = inputs.PadId;
        var trainer = new Trainer(new RewardModelObjective(model, inputs.Preferences(stage.DataPath), inputs.PadId), options, rewardRun, startModel) { Progress = Progress };
        trainer.Run(resume: TrainingCheckpoint.Latest(rewardRun) is not null, cancel);
        return final;
    }

    /// <summary>Remembers what each trace holds for the stage's last step, keyed by the final checkpoint's folder.</summary>
    private void RememberFinal(Stage stage, string finalCheckpoint)
    {
        foreach (var t in traces)
        {
            var records = TraceReader.Read(t.Writer.Path).Records.Where(r => r.Phase == stage.Name && r.Step == stage.Training.MaxSteps).ToList();
            if (records.Count > 0) _finalMeasurements[(t, Path.GetFullPath(finalCheckpoint))] = records;
        }
    }

    private static void Observe(ITrainingEvents trainer, List<TrajectoryRecorder> recorders)
    {
        foreach (var r in recorders) r.Attach(trainer);
    }
}
