using ValueDrift.Models;
using ValueDrift.Training.Objectives;

namespace ValueDrift.Training.Algorithms;

/// <summary>
/// Direct Preference Optimization (Rafailov et al., 2023): −log σ(β · [(log π − log π_ref)(chosen) − (log π −
/// log π_ref)(rejected)]), summed log-probs. β 0.1 is TRL's DPOConfig default.
/// </summary>
public sealed record Dpo : Algorithm
{
    public override string Name => "dpo";
    public override string Summary => "Direct Preference Optimization.";
    public override TrainingData Data => TrainingData.Preferences;
    /// <summary>Chosen and rejected in one forward; the reference cached, or live when <see cref="Reference"/> is given.</summary>
    public override MemoryTerms Memory => new(Name) { SequencesPerExample = 2, Reference = Reference is null ? ReferenceUse.CachedLogProbs : ReferenceUse.Live };
    /// <summary>5e-7 (Rafailov et al., 2023, reference implementation; TRL's DPOConfig default is 1e-6).</summary>
    public override double? PublishedLearningRate => 5e-7;
    public override int? PaperComparisonOrder => 0;

    public override IReadOnlyList<AlgorithmOption> CommandLine =>
    [
        new("--beta", "beta", "DPO β (TRL default 0.1)") { ShapesLoss = true },
        new("--reference", "reference", "frozen reference model folder (default: reference log-probs precomputed from --model)"),
    ];

    /// <summary>Strength of the implicit KL anchor (TRL DPOConfig beta 0.1).</summary>
    public double Beta { get; init; } = 0.1;

    /// <summary>
    /// A frozen reference model folder, run live every step. Null (default): the stage's start checkpoint, whose
    /// log-probs are computed once before training and cached in the stage folder (TRL precompute_ref_log_probs).
    /// </summary>
    public string? Reference { get; init; }

    public override Func<ScoredPairs, TorchSharp.torch.Tensor> PairLoss =>
        p => DpoLoss.Compute(p.Chosen, p.Rejected, p.ReferenceChosen, p.ReferenceRejected, Beta).Losses;

    public override void Validate(string stage, TrainerOptions loop) =>
        Require(Beta > 0 && double.IsFinite(Beta), stage, "beta", $"must be a finite value > 0, got {Beta}");

    public override IEnumerable<(string Role, string Path)> ModelInputs() => Reference is null ? [] : [("reference", Reference)];

    public override ITrainingStep CreateStep(AlgorithmContext c)
    {
        var pairs = c.Inputs.Preferences(c.DataPath);
        var policy = c.LoadPolicy();
        var frozen = Reference is null ? null : CausalLM.FromPretrained(Reference);
        var objective = new DpoObjective(policy, pairs, c.Inputs.PadId, Beta, frozen);
        return frozen is null ? new GradientStep(objective, policy) : new GradientStep(objective, policy, frozen);
    }
}
