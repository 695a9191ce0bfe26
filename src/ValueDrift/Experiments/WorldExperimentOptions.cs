using ValueDrift.Training;
using ValueDrift.World;

namespace ValueDrift.Experiments;

/// <summary>
/// Sizes of the world experiment (the demo). <see cref="Default"/> fits in about ten minutes on a 2-core laptop from a fresh clone
/// (base-model pretraining included, cached afterwards); <see cref="Quick"/> is a small size for tests and a first look.
/// </summary>
public sealed record WorldExperimentOptions
{
    public required string OutputDirectory { get; init; }
    public WorldOptions World { get; init; } = WorldOptions.Demo with { Topics = WorldTopics.QuickDemoIds };
    public BaseModelRecipe BaseModel { get; init; } = BaseModelRecipe.Default;
    /// <summary>Where base models are cached (default: $VALUEDRIFT_CACHE or ~/.cache/valuedrift).</summary>
    public string? CacheRoot { get; init; }
    public long Seed { get; init; } = 1;
    public int SftSteps { get; init; } = 120;
    public int BatchSize { get; init; } = 16;
    public double SftLearningRate { get; init; } = 1e-3;
    /// <summary>Preference stages: one epoch of the 400 pairs at batch 8.</summary>
    public int PreferenceSteps { get; init; } = 50;
    public int PreferenceBatchSize { get; init; } = 8;
    /// <summary>
    /// 20× below the SFT rate. Published recipes use far smaller rates for preference optimisation than for SFT
    /// (TRL: SFT 2e-5, DPO 1e-6; the DPO code 5e-7); at the SFT rate DPO and SimPO rewrite this small model within a
    /// few steps whatever the data.
    /// </summary>
    public double PreferenceLearningRate { get; init; } = 5e-5;
    public int PpoSteps { get; init; } = 20;
    public double PpoLearningRate { get; init; } = 1e-5;
    public int RewardModelSteps { get; init; } = 60;
    public double RewardModelLearningRate { get; init; } = 5e-4;
    /// <summary>After the dense early probes (0, 1, 2, 5, 10, 20, 50, …), probe every N steps.</summary>
    public int ProbeEvery { get; init; } = 20;
    /// <summary>Answers sampled per probe question (the paper: 5).</summary>
    public int ProbeSamples { get; init; } = 5;
    /// <summary>Probe questions per topic (the world has 10).</summary>
    public int ProbeQuestionsPerTopic { get; init; } = 10;
    /// <summary>Answers in the world are at most 80 characters, so 96 new tokens (bytes) always suffice.</summary>
    public int ProbeMaxNewTokens { get; init; } = 96;
    /// <summary>Also trace the likelihood probe (exact, cheap) beside the generation probe.</summary>
    public bool LikelihoodProbe { get; init; } = true;

    public static WorldExperimentOptions Default(string output) => new() { OutputDirectory = output };

    /// <summary>A few minutes' worth of everything: a small base model and short stages. For tests and a first look.</summary>
    public static WorldExperimentOptions Quick(string output) => new()
    {
        OutputDirectory = output,
        World = WorldOptions.Quick with { Topics = WorldTopics.QuickDemoIds.Take(2).ToList() },
        BaseModel = BaseModelRecipe.Quick,
        SftSteps = 12, PreferenceSteps = 6, PpoSteps = 3, RewardModelSteps = 6, BatchSize = 8, PreferenceBatchSize = 4,
        ProbeEvery = 6, ProbeSamples = 2, ProbeQuestionsPerTopic = 3, ProbeMaxNewTokens = 48,
    };

    /// <summary>
    /// A copy with other stage lengths, everything else kept. C# callers can write <c>with</c>; F# cannot copy a C#
    /// record that way, so its notebook helper calls this instead of listing every property.
    /// </summary>
    public WorldExperimentOptions WithSteps(int sft, int preference, int ppo) =>
        this with { SftSteps = sft, PreferenceSteps = preference, PpoSteps = ppo };

    internal TrainerOptions Loop(int steps, double lr, int? batchSize = null) => new()
    {
        MaxSteps = steps, BatchSize = batchSize ?? BatchSize, LearningRate = lr, WarmupSteps = Math.Min(5, steps / 10),
        Decay = LearningRateDecay.Linear, Seed = Seed, CheckpointEvery = 0, KeepCheckpoints = 0,
    };
}
