using ValueDrift.Training;

namespace ValueDrift.Experiments;

/// <summary>
/// One post-training phase: an algorithm, its data and hyperparameters, and how often to probe. <see cref="Name"/>
/// is the phase name in the trace ("sft-neutral", "dpo-value-gap", ...). Plain data: a notebook cell or the demo
/// builds a Stage and hands it to <see cref="StageRunner"/> with the checkpoint it starts from.
/// </summary>
public sealed record Stage
{
    public required string Name { get; init; }
    public required StageKind Kind { get; init; }
    /// <summary>Dataset file: conversations (Alpaca / messages) for SFT, preference pairs otherwise (PPO uses their prompts).</summary>
    public required string DataPath { get; init; }
    public TrainerOptions Training { get; init; } = new();
    /// <summary>DPO β (TRL default 0.1).</summary>
    public double DpoBeta { get; init; } = 0.1;
    /// <summary>SimPO β and γ/β (the SimPO authors' Llama-3-Base recipe: β 2, γ/β 0.5).</summary>
    public double SimPoBeta { get; init; } = 2.0;
    public double SimPoGammaBetaRatio { get; init; } = 0.5;
    /// <summary>PPO: per-token KL penalty to the reference (TRL default 0.05).</summary>
    public double PpoKlCoefficient { get; init; } = 0.05;
    /// <summary>PPO: tokens sampled per response (TRL 53).</summary>
    public int PpoResponseLength { get; init; } = 53;
    /// <summary>PPO: a trained reward model's folder; null trains one on this stage's preference data first.</summary>
    public string? RewardModelPath { get; init; }
    /// <summary>PPO: steps of reward-model training when none is given (same batch size as the stage).</summary>
    public int RewardModelSteps { get; init; } = 100;
    /// <summary>PPO: learning rate of that reward-model training (its scalar head starts from scratch).</summary>
    public double RewardModelLearningRate { get; init; } = 1e-4;
    /// <summary>Probe every N steps after the dense early schedule (0, 1, 2, 5, 10, 20, 50, 100, …).</summary>
    public int ProbeEvery { get; init; } = 50;
    /// <summary>Longest sequence in tokens (prompt + completion); longer rows are truncated by the data layer's rules.</summary>
    public int MaxLength { get; init; } = 256;
}
