using ValueDrift.Models;
using ValueDrift.Training.Objectives;

namespace ValueDrift.Training.Algorithms;

/// <summary>
/// SimPO (Meng et al., 2024): −log σ(β · (mean log π(chosen) − mean log π(rejected)) − γ), no reference model.
/// β 2.0 and γ/β 0.5 are the SimPO authors' Llama-3-Base recipe.
/// </summary>
public sealed record SimPo : Algorithm
{
    public override string Name => "simpo";
    public override string Title => "SimPO";
    public override string Summary => "SimPO: length-normalised, reference-free preference optimisation.";
    public override TrainingData Data => TrainingData.Preferences;
    public override MemoryTerms Memory => new(Name) { SequencesPerExample = 2 };
    /// <summary>6e-7 (Meng et al., 2024, released Llama-3-Base recipe, the one whose β 2.0 and γ/β 0.5 are the defaults here).</summary>
    public override double? PublishedLearningRate => 6e-7;
    public override int? PaperComparisonOrder => 1;

    public override IReadOnlyList<AlgorithmOption> CommandLine =>
    [
        new("--simpo-beta", "beta", "SimPO β (authors: 2.0–10)") { ShapesLoss = true },
        new("--simpo-gamma", "gamma", "absolute target margin γ (TRL's simpo_gamma)") { ExclusiveWith = "--simpo-gamma-beta-ratio", ShapesLoss = true },
        new("--simpo-gamma-beta-ratio", "gamma_beta_ratio", "γ/β, the SimPO authors' parameter") { ExclusiveWith = "--simpo-gamma", ShapesLoss = true },
    ];

    /// <summary>Reward scale β (the authors' Llama-3-Base recipe: 2.0; their range 2–10).</summary>
    public double Beta { get; init; } = 2.0;

    /// <summary>Target margin as γ/β, the authors' parameter (gamma_beta_ratio 0.5).</summary>
    public double GammaBetaRatio { get; init; } = 0.5;

    /// <summary>Absolute target margin γ (TRL's simpo_gamma); when set it replaces <see cref="GammaBetaRatio"/>.</summary>
    public double? Gamma { get; init; }

    /// <summary>The margin used: <see cref="Gamma"/>, or γ/β · β.</summary>
    public double EffectiveGamma => Gamma ?? GammaBetaRatio * Beta;

    public override Func<ScoredPairs, TorchSharp.torch.Tensor> PairLoss =>
        p => SimPoLoss.Compute(p.ChosenMean, p.RejectedMean, Beta, EffectiveGamma).Losses;

    public override void Validate(string stage, TrainerOptions loop)
    {
        Require(Beta > 0 && double.IsFinite(Beta), stage, "beta", $"must be a finite value > 0, got {Beta}");
        Require(GammaBetaRatio >= 0 && double.IsFinite(GammaBetaRatio), stage, "gamma_beta_ratio", $"must be a finite value ≥ 0, got {GammaBetaRatio}");
        Require(Gamma is null || (Gamma >= 0 && double.IsFinite(Gamma.Value)), stage, "gamma", $"must be a finite value ≥ 0, got {Gamma}");
    }

    public override ITrainingStep CreateStep(AlgorithmContext c)
    {
        var pairs = c.Inputs.Preferences(c.DataPath);
        var policy = c.LoadPolicy();
        return new GradientStep(new SimPoObjective(policy, pairs, c.Inputs.PadId, Beta, EffectiveGamma), policy);
    }
}
