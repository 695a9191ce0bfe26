using ValueDrift.Data;
using ValueDrift.Errors;
using ValueDrift.Models;

namespace ValueDrift.Training.Objectives;

/// <summary>SimPO (<see cref="SimPoLoss"/>): token-mean log-probs, target margin γ, no reference model.</summary>
public sealed class SimPoObjective : PreferenceObjective
{
    public double Beta { get; }
    public double Gamma { get; }

    /// <param name="gamma">Absolute margin γ (the SimPO authors give γ/β; see <see cref="Algorithms.SimPo"/>).</param>
    public SimPoObjective(CausalLM policy, IReadOnlyList<TokenizedPreference> pairs, int padId, double beta, double gamma)
        : base(policy, pairs, padId)
    {
        if (!(beta > 0)) throw new TrainingException($"SimPO beta must be > 0, got {beta}");
        if (!(gamma >= 0) || double.IsInfinity(gamma)) throw new TrainingException($"SimPO gamma must be finite and ≥ 0, got {gamma}");
        Beta = beta; Gamma = gamma;
    }

    public override string Name => "simpo";

    protected override PreferenceLossOutput Loss(IReadOnlyList<int> indices, SequenceLogProbs chosen, SequenceLogProbs rejected) =>
        SimPoLoss.Compute(chosen.Mean, rejected.Mean, Beta, Gamma);
}
