using TorchSharp;
using ValueDrift.Errors;
using static TorchSharp.torch;

namespace ValueDrift.Training.Objectives;

/// <summary>
/// SimPO (Meng et al., 2024, eq. 6): reference-free, length-normalised, with a target reward margin γ:
/// L_SimPO = −log σ( (β/|y_w|) log π_θ(y_w|x) − (β/|y_l|) log π_θ(y_l|x) − γ ).
/// The inputs are token-mean completion log-probs. Rewards are β · mean log-prob.
/// Defaults: β = 2.0 and γ/β = 0.5 (SimPO authors' recipe for Llama-3-Base; their config default γ/β is 0.25).
/// TRL's CPOTrainer takes an absolute γ (`simpo_gamma`, default 0.5) with β = 0.1 and cpo_alpha = 1 — not pure SimPO.
/// </summary>
public static class SimPoLoss
{
    public static PreferenceLossOutput Compute(Tensor policyChosenMean, Tensor policyRejectedMean, double beta, double gamma)
    {
        if (!(beta > 0)) throw new TrainingException($"SimPO beta must be > 0, got {beta}");
        if (!(gamma >= 0) || double.IsInfinity(gamma)) throw new TrainingException($"SimPO gamma must be a finite value ≥ 0, got {gamma}");
        using var scope = NewDisposeScope();
        var chosen = beta * policyChosenMean;
        var rejected = beta * policyRejectedMean;
        var losses = -nn.functional.logsigmoid(chosen - rejected - gamma);
        return new PreferenceLossOutput(losses.MoveToOuterDisposeScope(), chosen.detach().MoveToOuterDisposeScope(), rejected.detach().MoveToOuterDisposeScope());
    }
}
