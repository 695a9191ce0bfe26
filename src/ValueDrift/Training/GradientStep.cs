using System.Diagnostics;
using TorchSharp.Modules;
using ValueDrift.Errors;
using ValueDrift.Models;
using static TorchSharp.torch;

namespace ValueDrift.Training;

/// <summary>
/// One gradient step of an objective (SFT, DPO, SimPO, reward modelling): k micro-batches → loss / units of the
/// whole step → backward → one clipped AdamW update. The objective only turns example indices into a loss.
/// </summary>
public sealed class GradientStep : ITrainingStep
{
    private readonly ITrainingObjective objective;
    private readonly IDisposable[] _owned;

    /// <param name="owned">Models this step disposes with itself (those it was built with); none by default.</param>
    public GradientStep(ITrainingObjective objective, params IDisposable[] owned)
    {
        this.objective = objective;
        _owned = owned;
        TrainableParameters = objective.TrainableParameters.ToList();
    }

    public ITrainingObjective Objective => objective;
    public string Name => objective.Name;
    public CausalLM Policy => objective.Policy;
    public IReadOnlyList<Parameter> TrainableParameters { get; }
    public int ExampleCount => objective.ExampleCount;
    public int ExamplesPerStep(TrainerOptions options) => options.BatchSize * options.GradientAccumulation;
    public void Prepare(string? runDirectory) => objective.Prepare(runDirectory);
    public void SaveExtras(string checkpointDirectory) => objective.SaveExtras(checkpointDirectory);
    public void LoadExtras(string checkpointDirectory) => objective.LoadExtras(checkpointDirectory);
    public void Eval() => objective.Policy.eval();

    public Dictionary<string, double>? Run(int step, StepContext context)
    {
        var watch = Stopwatch.StartNew();
        using var scope = NewDisposeScope();
        objective.Policy.train();
        context.ZeroGrad();
        var acc = Accumulate(step, context.Sampler, context.Options);
        if (!double.IsFinite(acc.Loss)) return NonFinite(context, step, $"loss is {acc.Loss}");
        double gradNorm = context.Update();
        if (!double.IsFinite(gradNorm)) return NonFinite(context, step, $"gradient norm is {gradNorm}");

        var metrics = new Dictionary<string, double> { ["loss"] = acc.Loss, ["grad_norm"] = gradNorm, ["lr"] = context.LearningRate };
        foreach (var (k, v) in acc.MetricSums) metrics[k] = v / acc.Examples;
        metrics["tokens_per_second"] = acc.Tokens / Math.Max(1e-9, watch.Elapsed.TotalSeconds);
        metrics["epoch"] = context.Sampler.EpochAfter(step + 1);
        return metrics;
    }

    private Dictionary<string, double>? NonFinite(StepContext context, int step, string what) =>
        context.NonFinite(objective.Name, step, what, "The weights were not updated.", "Lower the learning rate, check the data");

    /// <summary>Loss, metric sums and example count of one step's accumulated micro-batches.</summary>
    public sealed record Accumulated(double Loss, Dictionary<string, double> MetricSums, int Examples, long Tokens);

    /// <summary>
    /// Runs the forward and backward passes of step <paramref name="step"/> (0-based): each micro-batch's summed loss
    /// is divided by the units of the whole step before backward, so gradients accumulate into exactly those of one
    /// large batch. Gradients are added to the parameters' .grad (the caller zeroes them). Stops at a non-finite loss.
    /// </summary>
    public Accumulated Accumulate(int step, BatchSampler sampler, TrainerOptions options)
    {
        var indices = sampler.IndicesForStep(step);
        var micro = indices.Chunk(options.BatchSize).ToArray();
        double units = micro.Sum(m => objective.Units(m));
        if (!(units > 0)) throw new TrainingException($"step {step + 1}: the batch has nothing to train on (all completion tokens masked)");
        double loss = 0;
        long tokens = 0;
        var sums = new Dictionary<string, double>();
        foreach (var m in micro)
        {
            using var microScope = NewDisposeScope();
            var output = objective.Compute(m);
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

    public void Dispose()
    {
        foreach (var d in _owned) d.Dispose();
    }
}
