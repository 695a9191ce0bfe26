using System.Diagnostics;
using TorchSharp;
using ValueDrift.Errors;
using static TorchSharp.torch;

namespace ValueDrift.Training;

/// <summary>
/// The training loop, the same for every objective (minGPT's model-agnostic trainer, with events):
/// for each step, k micro-batches → loss / units of the whole step → backward → clip → AdamW with the scheduled
/// learning rate → metrics and events → checkpoint. The trainer knows nothing about stances: probes subscribe to
/// <see cref="StepEnded"/> and <see cref="Started"/>.
/// </summary>
public sealed class Trainer : ITrainingEvents
{
    private readonly ITrainingObjective _objective;
    private readonly TrainerOptions _o;
    private readonly string? _runDirectory;
    private readonly string? _assetsFrom;

    public event Action<TrainingStartedEvent>? Started;
    public event Action<StepEndedEvent>? StepEnded;
    public event Action<CheckpointSavedEvent>? CheckpointSaved;
    public IProgress<TrainingProgress>? Progress { get; set; }

    /// <summary>Metrics of every step run by this trainer, in order (also in metrics.jsonl when a run folder is given).</summary>
    public List<(int Step, IReadOnlyDictionary<string, double> Metrics)> History { get; } = new();

    /// <param name="runDirectory">Where checkpoints/ and metrics.jsonl go; null trains in memory only.</param>
    /// <param name="modelAssetsFrom">Folder whose tokenizer files are copied into every checkpoint.</param>
    public Trainer(ITrainingObjective objective, TrainerOptions options, string? runDirectory = null, string? modelAssetsFrom = null)
    {
        options.Validate();
        _objective = objective; _o = options; _runDirectory = runDirectory; _assetsFrom = modelAssetsFrom;
    }

    /// <summary>
    /// Trains to MaxSteps. With <paramref name="resume"/>, continues from the run folder's newest checkpoint.
    /// Cancelling stops after the current step, with a checkpoint of that step when a run folder is given.
    /// </summary>
    public void Run(bool resume = false, CancellationToken cancel = default)
    {
        Models.TorchRuntime.EnsureInitialized();
        var parameters = _objective.TrainableParameters.ToList();
        using var optimizer = optim.AdamW(parameters, _o.LearningRate, _o.Beta1, _o.Beta2, _o.AdamEpsilon, _o.WeightDecay);
        int step = TrainingCheckpoint.Begin(_runDirectory, resume, dir => TrainingCheckpoint.Restore(dir, _objective, optimizer));
        _objective.Prepare(_runDirectory);
        using var metricsFile = _runDirectory is null ? null : new MetricsWriter(Path.Combine(_runDirectory, "metrics.jsonl"), step);

        var sampler = new BatchSampler(_objective.ExampleCount, _o.BatchSize * _o.GradientAccumulation, _o.Seed);
        Started?.Invoke(new TrainingStartedEvent(_objective.Name, step, _o.MaxSteps, _objective.Policy, step > 0));
        var clock = Stopwatch.StartNew();
        _objective.Policy.train();
        while (step < _o.MaxSteps)
        {
            var metrics = TrainStep(step, sampler, optimizer, parameters);
            step++;
            if (metrics is null) continue;   // skipped non-finite step
            History.Add((step, metrics));
            metricsFile?.Write(step, metrics);
            Progress?.Report(new TrainingProgress(_objective.Name, step, _o.MaxSteps, metrics["loss"], clock.Elapsed));
            _objective.Policy.eval();        // probes run in eval mode
            StepEnded?.Invoke(new StepEndedEvent(_objective.Name, step, _o.MaxSteps, metrics, _objective.Policy));
            _objective.Policy.train();
            bool due = (_o.CheckpointEvery > 0 && step % _o.CheckpointEvery == 0) || step == _o.MaxSteps || cancel.IsCancellationRequested;
            if (_runDirectory is not null && due)
            {
                var dir = TrainingCheckpoint.Save(_runDirectory, step, _objective, optimizer, _o, _assetsFrom);
                TrainingCheckpoint.Tidy(_runDirectory, _o.KeepCheckpoints);
                CheckpointSaved?.Invoke(new CheckpointSavedEvent(_objective.Name, step, dir));
            }
            if (cancel.IsCancellationRequested) break;
        }
        _objective.Policy.eval();
    }

    /// <summary>One optimizer step inside one dispose scope. Returns null if the step was skipped as non-finite.</summary>
    private Dictionary<string, double>? TrainStep(int step, BatchSampler sampler, optim.Optimizer optimizer, List<TorchSharp.Modules.Parameter> parameters)
    {
        var watch = Stopwatch.StartNew();
        using var scope = NewDisposeScope();
        optimizer.zero_grad();
        var acc = Accumulate(step, sampler);
        if (!double.IsFinite(acc.Loss)) return NonFinite(step, $"loss is {acc.Loss}", optimizer);

        double gradNorm = _o.MaxGradNorm > 0
            ? nn.utils.clip_grad_norm_(parameters, _o.MaxGradNorm)
            : Math.Sqrt(parameters.Where(p => p.grad is not null).Sum(p => p.grad!.pow(2).sum().item<float>()));
        if (!double.IsFinite(gradNorm)) return NonFinite(step, $"gradient norm is {gradNorm}", optimizer);

        double lr = LearningRateSchedule.At(step, _o);
        foreach (var g in optimizer.ParamGroups) g.LearningRate = lr;
        optimizer.step();

        var metrics = new Dictionary<string, double> { ["loss"] = acc.Loss, ["grad_norm"] = gradNorm, ["lr"] = lr };
        foreach (var (k, v) in acc.MetricSums) metrics[k] = v / acc.Examples;
        metrics["tokens_per_second"] = acc.Tokens / Math.Max(1e-9, watch.Elapsed.TotalSeconds);
        metrics["epoch"] = sampler.EpochAfter(step + 1);
        scope.Dispose();
        GC.Collect();   // TorchSharp's native memory is invisible to the GC; without this RSS climbs between steps
        return metrics;
    }

    /// <summary>Loss, metric sums and example count of one step's accumulated micro-batches.</summary>
    public sealed record Accumulated(double Loss, Dictionary<string, double> MetricSums, int Examples, long Tokens);

    /// <summary>
    /// Runs the forward and backward passes of step <paramref name="step"/> (0-based): each micro-batch's summed loss
    /// is divided by the units of the whole step before backward, so gradients accumulate into exactly those of one
    /// large batch. Gradients are added to the parameters' .grad (the caller zeroes them). Stops at a non-finite loss.
    /// </summary>
    public Accumulated Accumulate(int step, BatchSampler? sampler = null)
    {
        sampler ??= new BatchSampler(_objective.ExampleCount, _o.BatchSize * _o.GradientAccumulation, _o.Seed);
        var indices = sampler.IndicesForStep(step);
        var micro = indices.Chunk(_o.BatchSize).ToArray();
        double units = micro.Sum(m => _objective.Units(m));
        if (!(units > 0)) throw new TrainingException($"step {step + 1}: the batch has nothing to train on (all completion tokens masked)");
        double loss = 0;
        long tokens = 0;
        var sums = new Dictionary<string, double>();
        foreach (var m in micro)
        {
            using var microScope = NewDisposeScope();
            var output = _objective.Compute(m);
            var scaled = output.LossSum / units;
            double value = scaled.item<float>();
            if (!double.IsFinite(value)) return new Accumulated(value, sums, indices.Length, tokens);
            scaled.backward();
            loss += value;
            tokens += output.Tokens;
            foreach (var (k, v) in output.MetricSums) sums[k] = sums.GetValueOrDefault(k) + v;
        }
        return new Accumulated(loss, sums, indices.Length, tokens);
    }

    private Dictionary<string, double>? NonFinite(int step, string what, optim.Optimizer optimizer)
    {
        optimizer.zero_grad();   // nothing of this step reaches the weights
        if (_o.SkipNonFiniteSteps) return null;
        throw new TrainingException($"{_objective.Name} step {step + 1}: {what}. The weights were not updated. " +
            "Lower the learning rate, check the data, or set SkipNonFiniteSteps to skip such steps.");
    }
}
