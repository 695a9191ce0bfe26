using System.Diagnostics;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ValueDrift.Training;

/// <summary>
/// The one training loop, the same for every algorithm (minGPT's model-agnostic trainer, with events). Per step:
/// the <see cref="ITrainingStep"/> runs (forward/backward and its updates through <see cref="StepContext"/>) → metrics
/// to <see cref="History"/> and metrics.jsonl → events → checkpoint when due → stop if cancelled. The loop knows
/// nothing about stances: probes subscribe to <see cref="Started"/> and <see cref="StepEnded"/>.
/// <para>Run it whole (<see cref="Run"/>) or one step at a time (<see cref="Begin"/>, then <see cref="Next"/> until it
/// returns false), e.g. to interleave steps with another contender in a benchmark.</para>
/// </summary>
public sealed class TrainingLoop : ITrainingEvents, IDisposable
{
    private readonly ITrainingStep _step;
    private readonly TrainerOptions _o;
    private readonly string? _runDirectory;
    private readonly string? _assetsFrom;
    private optim.Optimizer? _optimizer;
    private IReadOnlyList<Parameter>? _parameters;
    private readonly PolicyOptions _policy;
    private Models.MasterWeights? _masters;
    private MetricsWriter? _metricsFile;
    private BatchSampler? _sampler;
    private Stopwatch? _clock;

    public event Action<TrainingStartedEvent>? Started;
    public event Action<StepEndedEvent>? StepEnded;
    public event Action<CheckpointSavedEvent>? CheckpointSaved;
    public IProgress<TrainingProgress>? Progress { get; set; }

    /// <summary>Metrics of every step run by this loop, in order (also in metrics.jsonl when a run folder is given).</summary>
    public List<(int Step, IReadOnlyDictionary<string, double> Metrics)> History { get; } = new();

    /// <summary>False when the run resumed from a checkpoint saved without optimizer state (AdamW's moments restarted).</summary>
    public bool OptimizerRestored { get; private set; } = true;

    /// <summary>Steps completed so far (the resumed step after <see cref="Begin"/>).</summary>
    public int Step { get; private set; }

    public ITrainingStep TrainingStep => _step;

    /// <param name="runDirectory">Where checkpoints/ and metrics.jsonl go; null trains in memory only.</param>
    /// <param name="modelAssetsFrom">Folder whose tokenizer files are copied into every checkpoint.</param>
    /// <param name="policy">How checkpoints store the policy (dtype, optimizer state); bf16 training gets float32 master weights here.</param>
    public TrainingLoop(ITrainingStep step, TrainerOptions options, string? runDirectory = null, string? modelAssetsFrom = null, PolicyOptions? policy = null)
    {
        options.Validate();
        _step = step; _o = options; _runDirectory = runDirectory; _assetsFrom = modelAssetsFrom; _policy = policy ?? new PolicyOptions();
    }

    /// <summary>A gradient-step loop over an objective (SFT, DPO, SimPO, reward).</summary>
    public TrainingLoop(ITrainingObjective objective, TrainerOptions options, string? runDirectory = null, string? modelAssetsFrom = null)
        : this(new GradientStep(objective), options, runDirectory, modelAssetsFrom) { }

    /// <summary>
    /// Trains to MaxSteps. With <paramref name="resume"/>, continues from the run folder's newest checkpoint.
    /// Cancelling stops after the current step, with a checkpoint of that step when a run folder is given.
    /// </summary>
    public void Run(bool resume = false, CancellationToken cancel = default)
    {
        Begin(resume);
        try { while (Next(cancel)) { } }
        finally { End(); }
    }

    /// <summary>
    /// Set-up before the first step: optimizer, run folder (restoring the newest checkpoint with
    /// <paramref name="resume"/>), the step's preparation (e.g. reference log-probs), metrics file; raises
    /// <see cref="Started"/>. Returns the step training continues from.
    /// </summary>
    public int Begin(bool resume = false)
    {
        Models.TorchRuntime.EnsureInitialized();
        // bf16 (or any non-float32) trainable weights: AdamW updates float32 master copies instead (mixed precision).
        if (_step.TrainableParameters.Any(p => p.dtype != ScalarType.Float32))
        {
            if (_step.TrainableParameters.Count != _step.Policy.TrainableParameters.Count())
                throw new Errors.TrainingException($"{_step.Name}: bf16 mixed precision covers the policy's weights only; this step trains other models too (run it in fp32)");
            _masters = new Models.MasterWeights(_step.Policy);
        }
        _parameters = _masters?.Parameters.ToList() ?? _step.TrainableParameters;
        _optimizer = optim.AdamW(_parameters, _o.LearningRate, _o.Beta1, _o.Beta2, _o.AdamEpsilon, _o.WeightDecay);
        using (Common.PhaseProfile.Measure(Common.PhaseProfile.Phases.Checkpoint))
        Step = TrainingCheckpoint.Begin(_runDirectory, resume, dir =>
        {
            var step = TrainingCheckpoint.Restore(dir, _step.Name, _step.Policy, _step.LoadExtras, _optimizer, _masters, out var restored);
            OptimizerRestored = restored;
            return step;
        });
        _step.Prepare(_runDirectory);
        _metricsFile = _runDirectory is null ? null : new MetricsWriter(Path.Combine(_runDirectory, "metrics.jsonl"), Step);
        _sampler = new BatchSampler(_step.ExampleCount, _step.ExamplesPerStep(_o), _o.Seed);
        _step.Eval();
        Started?.Invoke(new TrainingStartedEvent(_step.Name, Step, _o.MaxSteps, _step.Policy, Step > 0));
        _clock = Stopwatch.StartNew();
        return Step;
    }

    /// <summary>Runs one step (with its events and checkpoint). Returns false when training is over (MaxSteps reached or cancelled).</summary>
    public bool Next(CancellationToken cancel = default)
    {
        if (_optimizer is null) throw new InvalidOperationException("call Begin before Next");
        if (Step >= _o.MaxSteps) return false;
        var context = new StepContext(_o, _sampler!, _optimizer, _parameters!, LearningRateSchedule.At(Step, _o), _masters);
        _step.Policy.ReseedDropout(Common.Seeds.Derive(_o.Seed, Step, 0xD0));   // LoRA dropout masks: a function of (seed, step), so resume repeats them
        Dictionary<string, double>? metrics;
        using (Common.PhaseProfile.Measure(Common.PhaseProfile.Phases.Training)) metrics = _step.Run(Step, context);
        using (Common.PhaseProfile.Measure(Common.PhaseProfile.Phases.MemoryRelease))
            // TorchSharp's native memory is invisible to the GC; without a collection RSS climbs between steps. A step's
            // garbage is young, so the youngest generation suffices: a full collection cost about 35 ms a step in a
            // notebook kernel's large heap (7.9 s of a 104 s world run, against 0.4 s; peak RSS 1.15 against 1.21 GB).
            GC.Collect(0);
        Step++;
        if (metrics is not null)
        {
            metrics.TryAdd("lr", context.LearningRate);
            History.Add((Step, metrics));
            _metricsFile?.Write(Step, metrics);
            Progress?.Report(new TrainingProgress(_step.Name, Step, _o.MaxSteps, metrics["loss"], _clock!.Elapsed));
            _step.Eval();                    // probes run in eval mode
            StepEnded?.Invoke(new StepEndedEvent(_step.Name, Step, _o.MaxSteps, metrics, _step.Policy));
            bool due = (_o.CheckpointEvery > 0 && Step % _o.CheckpointEvery == 0) || Step == _o.MaxSteps || cancel.IsCancellationRequested;
            if (_runDirectory is not null && due)
            {
                using var _ = Common.PhaseProfile.Measure(Common.PhaseProfile.Phases.Checkpoint);
                var dir = TrainingCheckpoint.Save(_runDirectory, Step, _step.Name, _step.Policy, _step.SaveExtras, _optimizer, _o, _assetsFrom, _policy, _masters);
                TrainingCheckpoint.Tidy(_runDirectory, _o.KeepCheckpoints);
                CheckpointSaved?.Invoke(new CheckpointSavedEvent(_step.Name, Step, dir));
            }
        }
        return Step < _o.MaxSteps && !cancel.IsCancellationRequested;
    }

    /// <summary>After the last step: every model back in eval mode, the metrics file closed.</summary>
    public void End()
    {
        _step.Eval();
        _metricsFile?.Dispose();
        _metricsFile = null;
    }

    /// <summary>Releases the optimizer state and closes the metrics file; the step (and its models) stay the caller's.</summary>
    public void Dispose()
    {
        End();
        _optimizer?.Dispose();
        _optimizer = null;
        _masters?.Dispose();
        _masters = null;
    }
}
