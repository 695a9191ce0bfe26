using Microsoft.Extensions.Logging;
using ValueDrift.Common;
using ValueDrift.Data;

namespace ValueDrift.Training.Algorithms;

/// <summary>What an <see cref="Algorithm"/> builds its training step from.</summary>
public sealed record AlgorithmContext
{
    /// <summary>The stage's name, for messages.</summary>
    public required string Stage { get; init; }
    /// <summary>The checkpoint folder the stage starts from (Hugging Face format).</summary>
    public required string StartModel { get; init; }
    /// <summary>The start checkpoint's text tools and the data readers (tokenised with them).</summary>
    public required StageInputs Inputs { get; init; }
    public required string DataPath { get; init; }
    public required TrainerOptions Loop { get; init; }
    /// <summary>The stage's folder (helpers trained on the way, such as PPO's reward model, go below it); null: in memory.</summary>
    public string? RunDirectory { get; init; }
    /// <summary>How the policy is held: LoRA, precision, gradient checkpointing (<see cref="PolicyOptions"/>).</summary>
    public PolicyOptions Policy { get; init; } = new();
    public IProgress<TrainingProgress>? Progress { get; init; }
    /// <summary>Where notable events go ("training the reward model").</summary>
    public ILogger Logger { get; init; } = LineLogger.None;
    public CancellationToken Cancel { get; init; }
    /// <summary>What looks at PPO's reward model before PPO trains (the reward-model audit); null: nothing.</summary>
    public IRewardAuditor? RewardAuditor { get; init; }

    /// <summary>The stage's policy loaded from the start checkpoint as <see cref="Policy"/> asks (<see cref="PolicyLoader"/>).</summary>
    public Models.CausalLM LoadPolicy() => PolicyLoader.Load(StartModel, Policy, Loop.Seed, RunDirectory);
}
