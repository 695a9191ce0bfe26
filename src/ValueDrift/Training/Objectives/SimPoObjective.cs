using ValueDrift.Data;
using ValueDrift.Errors;
using ValueDrift.Models;

namespace ValueDrift.Training.Objectives;

/// <summary>SimPO (<see cref="SimPoLoss"/>): token-mean log-probs, target margin γ, no reference model.</summary>
public sealed class SimPoObjective : PreferenceObjective
{
    public double Beta { get; }
    public double Gamma { get; }

    /// <param name="gamma">Absolute margin γ. Use <see cref="FromGammaBetaRatio"/> for the SimPO authors' γ/β parameterisation.</param>
    public SimPoObjective(CausalLM policy, IReadOnlyList<TokenizedPreference> pairs, int padId, double beta = 2.0, double gamma = 1.0)
        : base(policy, pairs, padId)
    {
        if (!(beta > 0)) throw new TrainingException($"SimPO beta must be > 0, got {beta}");
        if (!(gamma >= 0) || double.IsInfinity(gamma)) throw new TrainingException($"SimPO gamma must be finite and ≥ 0, got {gamma}");
        Beta = beta; Gamma = gamma;
    }

    /// <summary>γ given as γ/β (SimPO's <c>gamma_beta_ratio</c>): γ = ratio · β.</summary>
    public static SimPoObjective FromGammaBetaRatio(CausalLM policy, IReadOnlyList<TokenizedPreference> pairs, int padId, double beta, double gammaBetaRatio) =>
        new(policy, pairs, padId, beta, gammaBetaRatio * beta);

    public override string Name => "simpo";

    protected override PreferenceLossOutput Loss(IReadOnlyList<int> indices, SequenceLogProbs chosen, SequenceLogProbs rejected) =>
        SimPoLoss.Compute(chosen.Mean, rejected.Mean, Beta, Gamma);
}
