using ValueDrift.Data;
using ValueDrift.Training.Objectives;

namespace ValueDrift.Training.Algorithms;

/// <summary>
/// A Bradley–Terry reward model on preference pairs (TRL RewardTrainer): a scalar head on the last real token of the
/// start checkpoint, loss −log σ(r(chosen) − r(rejected)). PPO trains one of these first unless given one.
/// </summary>
public sealed record Reward : Algorithm
{
    public override string Name => "reward";
    public override string Summary => "Reward model (Bradley–Terry) on preference pairs; the head is saved as value_head.safetensors.";
    public override TrainingData Data => TrainingData.Preferences;
    public override Models.MemoryTerms Memory => new(Name) { ScalarHead = true };

    public override ITrainingStep CreateStep(AlgorithmContext c) => CreateStep(c, c.Inputs.Preferences(c.DataPath));

    /// <summary>The step on given pairs (PPO trains its reward model on the stage's pairs less a held-out share).</summary>
    public ITrainingStep CreateStep(AlgorithmContext c, IReadOnlyList<TokenizedPreference> pairs)
    {
        if (c.Policy.Lora is not null)
            throw new Errors.ConfigException($"stage '{c.Stage}'", "policy.lora", "a reward model is trained in full (its head and checkpoint format have no LoRA form here); drop the LoRA options for this stage");
        // A fresh head is drawn from the run's seed, so seeds vary the head as they vary the training order.
        var model = RewardModel.FromPretrained(c.StartModel, requireHead: false, dtype: c.Policy.ComputeDType, headSeed: RewardModel.HeadSeed(c.Loop.Seed));
        model.PadId = c.Inputs.PadId;
        return new GradientStep(new RewardModelObjective(model, pairs, c.Inputs.PadId), model);
    }
}
