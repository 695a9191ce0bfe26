using ValueDrift.Models;
using ValueDrift.Training;
using ValueDrift.Training.Objectives;

namespace ValueDrift.Benchmarks;

/// <summary>Median step times of one configuration, both contenders, and ValueDrift's peak RSS.</summary>
public sealed record StepComparison(TrainShape Shape, string Mode, long Parameters, double ValueDrift, double Torch, double ValueDriftPeakMiB, double TorchPeakMiB, double Spread)
{
    /// <summary>Tokens through the model per step: DPO runs chosen and rejected rows.</summary>
    public long Tokens => (Mode == "dpo" ? 2L : 1L) * Shape.Batch * Shape.Seq;
    /// <summary>≈ 6 · parameters · tokens (forward 2, backward 4 per parameter and token; attention scores not counted).</summary>
    public double Flop => 6.0 * Parameters * Tokens;
    /// <summary>ValueDrift's speed relative to PyTorch's: above 1 is faster.</summary>
    public double Speedup => Torch / ValueDrift;
}

/// <summary>
/// Training-step benchmarks: ValueDrift's real <see cref="TrainingLoop"/> path against the PyTorch eager baseline, with
/// their repetitions interleaved; DPO with cached against live reference log-probs.
/// </summary>
public sealed class TrainingBenchmarks(BaselineWorker? torch, int warmup)
{
    /// <summary>SFT or DPO steps of one shape, ValueDrift then PyTorch, alternating, <paramref name="reps"/> timed each.</summary>
    public StepComparison Compare(TrainShape s, string mode, int reps)
    {
        Console.WriteLine($"[{mode} {s.Label}]");
        PeakMemory.Reset();
        using var model = CausalLM.Create(s.ModelConfig(), seed: 0);
        ITrainingObjective objective = mode == "dpo"
            ? new DpoObjective(model, s.PreferenceData(s.Batch, 1), padId: 0, beta: 0.1)
            : new SftObjective(model, s.SftData(s.Batch, 1), padId: 0, trainOnPrompt: true);
        using var stepper = new TrainerStepper(objective, warmup + reps, s.Batch);
        torch?.Setup(s, mode);
        var vd = new List<double>(); var pt = new List<double>();
        double torchPeak = double.NaN;
        for (int i = 0; i < warmup + reps; i++)
        {
            double a = stepper.Step();
            var (b, peak) = torch?.Step() ?? (double.NaN, double.NaN);
            torchPeak = peak;
            if (i >= warmup) { vd.Add(a); pt.Add(b); }
        }
        double ownPeak = PeakMemory.PeakMiB();
        return new StepComparison(s, mode, model.ParameterCount, Stats.Median(vd), Stats.Median(pt), ownPeak, torchPeak, Stats.RelativeSpread(vd));
    }

    /// <summary>
    /// DPO steps with reference log-probs precomputed once (the default) against a frozen reference model run every
    /// step; the two trainers' steps alternate. Returns the two medians.
    /// </summary>
    public (double Cached, double Live) CachedVersusLive(TrainShape s, int reps)
    {
        Console.WriteLine($"[dpo cached vs live {s.Label}]");
        var pairs = s.PreferenceData(s.Batch, 1);
        using var cachedModel = CausalLM.Create(s.ModelConfig(), seed: 0);
        using var liveModel = CausalLM.Create(s.ModelConfig(), seed: 0);
        using var reference = CausalLM.Create(s.ModelConfig(), seed: 0);
        reference.eval();
        using var cached = new TrainerStepper(new DpoObjective(cachedModel, pairs, 0, 0.1), warmup + reps, s.Batch);
        using var live = new TrainerStepper(new DpoObjective(liveModel, pairs, 0, 0.1, frozenReference: reference), warmup + reps, s.Batch);
        var c = new List<double>(); var l = new List<double>();
        for (int i = 0; i < warmup + reps; i++)
        {
            double a = cached.Step(), b = live.Step();
            if (i >= warmup) { c.Add(a); l.Add(b); }
        }
        return (Stats.Median(c), Stats.Median(l));
    }
}
