using ValueDrift.Errors;
using ValueDrift.Training;
using ValueDrift.Training.Algorithms;

namespace ValueDrift.Experiments;

/// <summary>
/// One budget for every algorithm of a comparison: the same number of optimizer updates
/// (<see cref="OptimizerSteps"/>) and the same number of training examples (<see cref="Examples"/> = steps × batch:
/// preference pairs for DPO and SimPO, prompts rolled out for PPO), each algorithm at its
/// <see cref="Algorithm.PublishedLearningRate"/> × <see cref="LearningRateScale"/>: the rates published for 7–8B
/// models, times one common factor for a small model, so the methods keep their published ratios.
/// <para>
/// DPO and SimPO: <see cref="OptimizerSteps"/> loop steps of <see cref="BatchSize"/> pairs. PPO makes
/// NumPpoEpochs × NumMiniBatches updates per rollout, so it gets OptimizerSteps / (E·M) loop steps, each rolling out
/// BatchSize × E·M prompts: the same updates and the same prompts in all (each update then sees E× more examples,
/// as PPO reuses each rollout E times).
/// </para>
/// </summary>
public sealed record PreferenceBudget
{
    /// <summary>Optimizer updates of every algorithm.</summary>
    public required int OptimizerSteps { get; init; }
    /// <summary>Examples per DPO / SimPO update (batch size × gradient accumulation).</summary>
    public required int BatchSize { get; init; }
    /// <summary>The one factor every published learning rate is multiplied by (1: the published rates).</summary>
    public double LearningRateScale { get; init; } = 1;
    /// <summary>
    /// Learning rates chosen for this setting, by algorithm name (<c>{"ppo": 3e-5}</c>), each replacing that method's
    /// published rate × <see cref="LearningRateScale"/> — for a method whose rate was chosen here by a stated
    /// criterion (the world's PPO: docs/training.md, "Choosing PPO's learning rate"). Empty: every method at its
    /// published rate × the factor.
    /// </summary>
    public IReadOnlyDictionary<string, double> LearningRates { get; init; } = new Dictionary<string, double>();

    /// <summary>Training examples every algorithm sees: pairs for DPO and SimPO, prompts rolled out for PPO.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public int Examples => OptimizerSteps * BatchSize;

    /// <summary>The learning rate of an algorithm under this budget.</summary>
    public double LearningRate(Algorithm algorithm) => LearningRates.TryGetValue(algorithm.Name, out var chosen) ? chosen
        : (algorithm.PublishedLearningRate ?? throw new ConfigException("budget", algorithm.Name, "no published learning rate for this method")) * LearningRateScale;

    /// <summary>The loop options of an algorithm under this budget (steps, batch, learning rate), from a template for the rest.</summary>
    public TrainerOptions Loop(Algorithm algorithm, TrainerOptions template)
    {
        Validate();
        int updatesPerStep = algorithm.UpdatesPerStep;
        if (OptimizerSteps % updatesPerStep != 0)
            throw new ConfigException("budget", "optimizer_steps",
                $"{OptimizerSteps} is not a multiple of {algorithm.Name}'s {updatesPerStep} updates per step, so the methods cannot get equal updates");
        int steps = OptimizerSteps / updatesPerStep;
        // DPO and SimPO: BatchSize examples per update, split into the template's accumulation micro-batches. PPO
        // does not accumulate (it splits a rollout into mini-batches instead).
        bool accumulates = algorithm.AccumulatesGradients;
        int accumulation = accumulates ? template.GradientAccumulation : 1;
        if (BatchSize % accumulation != 0)
            throw new ConfigException("budget", "batch_size", $"{BatchSize} is not a multiple of the gradient accumulation ({accumulation})");
        return template with
        {
            MaxSteps = steps, BatchSize = accumulates ? BatchSize / accumulation : BatchSize * updatesPerStep, GradientAccumulation = accumulation,
            LearningRate = LearningRate(algorithm), WarmupSteps = Math.Min(template.WarmupSteps, steps / 10),
        };
    }

    /// <summary>Budgets are equal when every setting is, <see cref="LearningRates"/> compared by content.</summary>
    public bool Equals(PreferenceBudget? other) =>
        other is not null && OptimizerSteps == other.OptimizerSteps && BatchSize == other.BatchSize && LearningRateScale.Equals(other.LearningRateScale)
        && LearningRates.Count == other.LearningRates.Count
        && LearningRates.All(kv => other.LearningRates.TryGetValue(kv.Key, out var v) && v.Equals(kv.Value));

    public override int GetHashCode() => HashCode.Combine(OptimizerSteps, BatchSize, LearningRateScale, LearningRates.Count);

    /// <summary>Names of the methods a budget trains: those whose record gives a published learning rate.</summary>
    private static IReadOnlyList<string> PreferenceMethods =>
        AlgorithmRegistry.All.Where(a => a.PublishedLearningRate is not null && a.Data == TrainingData.Preferences).Select(a => a.Name).ToList();

    public void Validate()
    {
        if (OptimizerSteps < 1) throw new ConfigException("budget", "optimizer_steps", $"must be ≥ 1, got {OptimizerSteps}");
        if (BatchSize < 1) throw new ConfigException("budget", "batch_size", $"must be ≥ 1, got {BatchSize}");
        if (!(LearningRateScale > 0 && double.IsFinite(LearningRateScale))) throw new ConfigException("budget", "learning_rate_scale", $"must be a finite value > 0, got {LearningRateScale}");
        foreach (var (name, rate) in LearningRates)
        {
            if (!PreferenceMethods.Contains(name))
                throw new ConfigException("budget", $"learning_rates.{name}", $"not a preference method (known: {string.Join(", ", PreferenceMethods)})");
            if (!(rate > 0 && double.IsFinite(rate))) throw new ConfigException("budget", $"learning_rates.{name}", $"must be a finite value > 0, got {rate}");
        }
    }
}
