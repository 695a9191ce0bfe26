using ValueDrift.Models;
using ValueDrift.Training.Objectives;

namespace ValueDrift.Training.Algorithms;

/// <summary>
/// ORPO (Hong, Lee and Thorne, 2024): supervised fine-tuning on the chosen answer and an odds-ratio penalty on the
/// rejected one in one loss, no reference model (<see cref="OrpoLoss"/>; TRL's ORPOTrainer). λ 0.1 is TRL's
/// ORPOConfig beta. Not one of the paper's methods: its value drift is a question the paper never asked.
/// </summary>
public sealed record Orpo : Algorithm
{
    public override string Name => "orpo";
    public override string Summary => "ORPO: SFT on the chosen answer plus an odds-ratio penalty on the rejected one, reference-free.";
    public override TrainingData Data => TrainingData.Preferences;
    public override MemoryTerms Memory => new(Name) { SequencesPerExample = 2 };
    /// <summary>8e-6: TRL's ORPO example (examples/scripts/orpo.py, "similar to DPO without the need for a reference model"); ORPOConfig's own default is 1e-6.</summary>
    public override double? PublishedLearningRate => 8e-6;

    /// <summary>Weight λ of the odds-ratio term (TRL ORPOConfig beta 0.1; the paper's λ).</summary>
    public double Lambda { get; init; } = 0.1;

    public override IReadOnlyList<AlgorithmOption> CommandLine =>
    [
        new("--orpo-lambda", "lambda", "ORPO λ, the weight of the odds-ratio term (TRL's beta 0.1)") { ShapesLoss = true },
    ];

    public override Func<ScoredPairs, TorchSharp.torch.Tensor> PairLoss => p => OrpoLoss.Compute(p.ChosenMean, p.RejectedMean, Lambda).Losses;

    public override void Validate(string stage, TrainerOptions loop) =>
        Require(Lambda > 0 && double.IsFinite(Lambda), stage, "lambda", $"must be a finite value > 0, got {Lambda}");

    public override ITrainingStep CreateStep(AlgorithmContext c)
    {
        var pairs = c.Inputs.Preferences(c.DataPath);
        var policy = c.LoadPolicy();
        return new GradientStep(new OrpoObjective(policy, pairs, c.Inputs.PadId, Lambda), policy);
    }
}
