using ValueDrift.Data;
using ValueDrift.Errors;
using ValueDrift.Models;

namespace ValueDrift.Training.Objectives;

/// <summary>ORPO (<see cref="OrpoLoss"/>): token-mean log-probs of chosen and rejected from one forward, no reference model.</summary>
public sealed class OrpoObjective : PreferenceObjective
{
    public double Lambda { get; }

    public OrpoObjective(CausalLM policy, IReadOnlyList<TokenizedPreference> pairs, int padId, double lambda)
        : base(policy, pairs, padId)
    {
        if (!(lambda > 0) || double.IsInfinity(lambda)) throw new TrainingException($"ORPO lambda must be a finite value > 0, got {lambda}");
        Lambda = lambda;
    }

    public override string Name => "orpo";

    protected override PreferenceLossOutput Loss(IReadOnlyList<int> indices, SequenceLogProbs chosen, SequenceLogProbs rejected) =>
        OrpoLoss.Compute(chosen.Mean, rejected.Mean, Lambda);
}
