using ValueDrift.Errors;
using ValueDrift.Training;
using ValueDrift.Training.Algorithms;

namespace ValueDrift.Experiments;

/// <summary>
/// One post-training phase: its name in the trace ("sft-neutral", "dpo-value-gap", ...), the algorithm with its
/// hyperparameters, the data, the loop options and how often to probe. Plain data: the CLI, a notebook cell, the
/// demo or a recipe builds a Stage (change one with <c>with { ... }</c>) and hands it to <see cref="StageRunner"/>
/// with the checkpoint it starts from. Its folder's stage.json records it, so a changed stage is never mistaken for
/// a finished one.
/// </summary>
public sealed record Stage
{
    public required string Name { get; init; }
    /// <summary><see cref="Sft"/>, <see cref="Dpo"/>, <see cref="SimPo"/>, <see cref="Reward"/> or <see cref="Ppo"/>, with its settings.</summary>
    public required Algorithm Algorithm { get; init; }
    /// <summary>Dataset file: conversations (Alpaca / messages) for SFT, preference pairs otherwise (PPO uses their prompts).</summary>
    public required string DataPath { get; init; }
    /// <summary>Steps, batch size, learning rate and schedule, clipping, seed, checkpointing.</summary>
    public TrainerOptions Training { get; init; } = new();
    /// <summary>Probe every N steps after the dense early schedule (0, 1, 2, 5, 10, 20, 50, 100, …).</summary>
    public int ProbeEvery { get; init; } = DefaultProbeEvery;
    public const int DefaultProbeEvery = 50;
    /// <summary>Longest sequence in tokens (prompt + completion); longer rows are truncated by the data layer's rules. Null: no limit beyond the data layer's.</summary>
    public int? MaxLength { get; init; }
    /// <summary>How the policy is held and saved: LoRA, bf16, gradient checkpointing, save dtype (docs/scaling.md).</summary>
    public PolicyOptions Policy { get; init; } = new();
    /// <summary>Skip malformed data rows (counted) instead of stopping at the first.</summary>
    public bool SkipBadRows { get; init; }

    /// <summary>Refuses an invalid stage before any work, naming the option.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Name) || Name.IndexOfAny(['/', '\\']) >= 0 || Name is "." or "..")
            throw new ConfigException("stage", "name", $"'{Name}' cannot name a folder");
        try { Training.Validate(); }
        catch (TrainingException e) { throw new ConfigException($"stage '{Name}'", "training", e.Message); }
        if (ProbeEvery <= 0) throw new ConfigException($"stage '{Name}'", "probe_every", $"must be > 0, got {ProbeEvery}");
        if (MaxLength is <= 1) throw new ConfigException($"stage '{Name}'", "max_length", $"must be > 1, got {MaxLength}");
        Policy.Validate(Name);
        Algorithm.Validate(Name, Training);
    }

    /// <summary>
    /// This stage, keeping the reward model it trains (a PPO stage given none) in the cache at <paramref name="root"/>
    /// (<see cref="RewardModelCache"/>), so another stage that would train the same one — the KL sweep: same start,
    /// data and reward settings — loads it instead. Any other stage, or one that names its cache, is returned as it is.
    /// </summary>
    public Stage WithRewardModelCache(string root) => this with { Algorithm = Algorithm.WithModelCache(root) };
}
