using TorchSharp.Modules;
using ValueDrift.Models;

namespace ValueDrift.Training;

/// <summary>
/// What one optimizer step of an algorithm does, driven by the one <see cref="TrainingLoop"/>: a gradient step over
/// a batch for SFT, DPO, SimPO and reward modelling (<see cref="GradientStep"/>), a rollout plus PPO epochs for PPO
/// (<see cref="Ppo.PpoStep"/>). The loop owns everything around it: optimizer, learning-rate schedule, clipping and
/// the update (through <see cref="StepContext"/>), metrics, events, checkpoints, resume and cancellation.
/// </summary>
public interface ITrainingStep : IDisposable
{
    /// <summary>Short name used in metrics, checkpoints and events: "sft", "dpo", "simpo", "reward", "ppo".</summary>
    string Name { get; }
    /// <summary>The model whose weights a checkpoint stores and probes measure.</summary>
    CausalLM Policy { get; }
    /// <summary>Everything the optimizer updates (for PPO: policy and value model).</summary>
    IReadOnlyList<Parameter> TrainableParameters { get; }
    /// <summary>Examples (or prompts) the batch sampler draws from.</summary>
    int ExampleCount { get; }
    /// <summary>Examples drawn per optimizer step.</summary>
    int ExamplesPerStep(TrainerOptions options);
    /// <summary>Called once before the first step (also on resume, after the checkpoint was restored) with the run folder.</summary>
    void Prepare(string? runDirectory);
    /// <summary>Runs optimizer step <paramref name="step"/> (0-based). Returns its metrics (TRL names; "loss" always), or null when a non-finite step was skipped.</summary>
    Dictionary<string, double>? Run(int step, StepContext context);
    /// <summary>Writes anything beyond the policy weights a checkpoint needs (a reward head, PPO's value model).</summary>
    void SaveExtras(string checkpointDirectory);
    void LoadExtras(string checkpointDirectory);
    /// <summary>Puts every trained model in eval mode (probes measure in eval mode; the loop switches back before the next step).</summary>
    void Eval();
}
