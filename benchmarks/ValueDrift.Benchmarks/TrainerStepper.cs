using System.Diagnostics;
using ValueDrift.Training;

namespace ValueDrift.Benchmarks;

/// <summary>
/// Drives a real <see cref="TrainingLoop"/> one step at a time (<see cref="TrainingLoop.Begin"/>, then
/// <see cref="TrainingLoop.Next"/>), so its steps can alternate with another contender's. A step's time is the loop's
/// whole step (forward, backward, clipping, AdamW, metrics) and nothing of set-up (the DPO reference precompute
/// happens in Begin).
/// </summary>
public sealed class TrainerStepper : IDisposable
{
    private readonly TrainingLoop _loop;

    public TrainerStepper(ITrainingObjective objective, int steps, int batchSize)
    {
        var options = new TrainerOptions
        {
            MaxSteps = steps, BatchSize = batchSize, LearningRate = 1e-4, Decay = LearningRateDecay.Constant, MaxGradNorm = 1.0, Seed = 0,
        };
        _loop = new TrainingLoop(objective, options);
        _loop.Begin();
    }

    /// <summary>Runs one optimizer step and returns its wall time in seconds.</summary>
    public double Step()
    {
        var watch = Stopwatch.StartNew();
        _loop.Next();
        return watch.Elapsed.TotalSeconds;
    }

    public void Dispose() => _loop.Dispose();
}
