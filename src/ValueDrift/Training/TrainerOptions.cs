namespace ValueDrift.Training;

public enum LearningRateDecay { Constant, Linear, Cosine }

/// <summary>
/// Hyperparameters of the training loop, shared by every objective. Defaults suit the embedded world's small
/// models; for 1B+ models use the learning rates noted on each objective (TRL: SFT 2e-5, DPO 1e-6; SimPO 3e-7–1e-6).
/// </summary>
public sealed record TrainerOptions
{
    public int MaxSteps { get; init; } = 100;
    /// <summary>Examples (or pairs) per micro-batch.</summary>
    public int BatchSize { get; init; } = 8;
    /// <summary>Micro-batches per optimizer step; the loss is normalised over all of them, so k micro-batches equal one k-times larger batch.</summary>
    public int GradientAccumulation { get; init; } = 1;
    public double LearningRate { get; init; } = 1e-4;
    public int WarmupSteps { get; init; } = 0;
    public LearningRateDecay Decay { get; init; } = LearningRateDecay.Linear;
    /// <summary>Decay ends at LearningRate × MinLearningRateRatio.</summary>
    public double MinLearningRateRatio { get; init; } = 0.0;
    public double WeightDecay { get; init; } = 0.0;
    public double Beta1 { get; init; } = 0.9;
    public double Beta2 { get; init; } = 0.999;
    public double AdamEpsilon { get; init; } = 1e-8;
    /// <summary>Gradient-norm clipping; 0 turns it off.</summary>
    public double MaxGradNorm { get; init; } = 1.0;
    /// <summary>Fixes data order and every random draw: same seed, same run.</summary>
    public long Seed { get; init; } = 0;
    /// <summary>Save a checkpoint every N steps (0 = only at the end, when an output folder is given).</summary>
    public int CheckpointEvery { get; init; } = 0;
    /// <summary>Keep only the newest N checkpoints (0 = keep all: the paper probes every checkpoint).</summary>
    public int KeepCheckpoints { get; init; } = 0;
    /// <summary>On a NaN/Inf loss or gradient: skip the step (true) instead of stopping with an error (false, default).</summary>
    public bool SkipNonFiniteSteps { get; init; } = false;

    public void Validate()
    {
        void Check(bool ok, string field, string problem) { if (!ok) throw new Errors.TrainingException($"trainer option {field}: {problem}"); }
        Check(MaxSteps > 0, nameof(MaxSteps), "must be > 0");
        Check(BatchSize > 0, nameof(BatchSize), "must be > 0");
        Check(GradientAccumulation > 0, nameof(GradientAccumulation), "must be > 0");
        Check(LearningRate > 0 && double.IsFinite(LearningRate), nameof(LearningRate), "must be a finite value > 0");
        Check(WarmupSteps >= 0, nameof(WarmupSteps), "must be ≥ 0");
        Check(MinLearningRateRatio is >= 0 and <= 1, nameof(MinLearningRateRatio), "must be in [0, 1]");
        Check(MaxGradNorm >= 0, nameof(MaxGradNorm), "must be ≥ 0");
        Check(CheckpointEvery >= 0, nameof(CheckpointEvery), "must be ≥ 0");
    }
}
