using TorchSharp.Modules;
using ValueDrift.Models;
using static TorchSharp.torch;

namespace ValueDrift.Training;

/// <summary>What one micro-batch produced: the loss summed over its normalisation units, and metric sums.</summary>
/// <param name="LossSum">Scalar; summed over tokens (SFT) or pairs (preference objectives). The trainer divides by the
/// units of the whole optimizer step, which makes gradient accumulation equal one larger batch.</param>
/// <param name="MetricSums">Each metric summed over the micro-batch's examples; the trainer averages per example.</param>
/// <param name="Tokens">Tokens that went through the model (for throughput).</param>
public sealed record ObjectiveOutput(Tensor LossSum, IReadOnlyDictionary<string, double> MetricSums, long Tokens);

/// <summary>
/// One post-training objective over an indexed dataset: SFT, DPO, SimPO, reward modelling. <see cref="GradientStep"/>
/// (batches, accumulation) and the <see cref="TrainingLoop"/> (clipping, schedule, checkpoints) do the rest; the
/// objective only turns example indices into a loss. PPO, whose step is a rollout plus several updates, is a step of
/// its own (<see cref="Ppo.PpoStep"/>) in the same loop.
/// </summary>
public interface ITrainingObjective
{
    /// <summary>Short name used in metrics and folders: "sft", "dpo", "simpo", "reward".</summary>
    string Name { get; }
    int ExampleCount { get; }
    /// <summary>The model whose weights a checkpoint stores.</summary>
    CausalLM Policy { get; }
    IEnumerable<Parameter> TrainableParameters { get; }
    /// <summary>Normalisation units of these examples (completion tokens for SFT, pairs for preference losses).</summary>
    double Units(IReadOnlyList<int> indices);
    ObjectiveOutput Compute(IReadOnlyList<int> indices);
    /// <summary>Called once before training (and again on resume) with the run's folder, e.g. to precompute or reload reference log-probs.</summary>
    void Prepare(string? runDirectory);
    /// <summary>Writes anything beyond the policy weights a checkpoint needs (e.g. a reward head).</summary>
    void SaveExtras(string checkpointDirectory);
    void LoadExtras(string checkpointDirectory);
}
