using System.Diagnostics;
using ValueDrift.Training;

namespace ValueDrift.Benchmarks;

/// <summary>
/// Drives a real <see cref="Trainer"/> one step at a time, so its steps can alternate with another contender's.
/// <see cref="Trainer.Run"/> runs on its own thread; the <c>Started</c> and <c>StepEnded</c> handlers park it
/// until <see cref="Step"/> releases it. A step's time runs from the release to its StepEnded event: the trainer's
/// whole step (forward, backward, clipping, AdamW, metrics) and nothing of set-up (the DPO reference precompute
/// happens before Started).
/// </summary>
public sealed class TrainerStepper : IDisposable
{
    private readonly SemaphoreSlim _go = new(0), _done = new(0);
    private readonly Thread _thread;
    private readonly Stopwatch _watch = new();
    private Exception? _failure;
    private double _last;
    private volatile bool _stopping;

    public TrainerStepper(ITrainingObjective objective, int steps, int batchSize)
    {
        var options = new TrainerOptions
        {
            MaxSteps = steps, BatchSize = batchSize, LearningRate = 1e-4, Decay = LearningRateDecay.Constant, MaxGradNorm = 1.0, Seed = 0,
        };
        var trainer = new Trainer(objective, options);
        trainer.Started += _ => Park();
        trainer.StepEnded += _ => { _last = _watch.Elapsed.TotalSeconds; Park(); };
        _thread = new Thread(() =>
        {
            try { trainer.Run(); }
            catch (Exception e) { _failure = e; }
            finally { _done.Release(); }
        }, 64 * 1024 * 1024) { IsBackground = true };
        _thread.Start();
        _done.Wait();   // set-up finished (or failed)
        if (_failure is not null) throw new InvalidOperationException("trainer set-up failed", _failure);
    }

    /// <summary>On the trainer's thread: report, wait for the next <see cref="Step"/> (unless stopping), start the clock.</summary>
    private void Park()
    {
        _done.Release();
        if (!_stopping) _go.Wait();
        _watch.Restart();
    }

    /// <summary>Runs one optimizer step and returns its wall time in seconds.</summary>
    public double Step()
    {
        _go.Release();
        _done.Wait();
        if (_failure is not null) throw new InvalidOperationException("trainer step failed", _failure);
        return _last;
    }

    public void Dispose()
    {
        _stopping = true;   // remaining steps (if any) run unparked, then Run returns
        _go.Release();
        _thread.Join();
        _go.Dispose(); _done.Dispose();
    }
}
