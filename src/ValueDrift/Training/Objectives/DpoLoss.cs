using TorchSharp;
using ValueDrift.Errors;
using static TorchSharp.torch;

namespace ValueDrift.Training.Objectives;

/// <summary>Per-pair outputs of a preference loss: losses and (detached) implicit rewards, all (B).</summary>
public sealed record PreferenceLossOutput(Tensor Losses, Tensor ChosenRewards, Tensor RejectedRewards);

/// <summary>
/// Direct Preference Optimization (Rafailov et al., 2023, eq. 7), sigmoid form:
/// L_DPO = −log σ( β [ (log π_θ(y_w|x) − log π_ref(y_w|x)) − (log π_θ(y_l|x) − log π_ref(y_l|x)) ] ),
/// with summed completion log-probs. Implicit rewards are β (log π_θ − log π_ref). With the policy as its own
/// reference every loss is ln 2.
/// Defaults: β = 0.1 (TRL DPOConfig and the DPO paper). TRL's default lr is 1e-6; the DPO code uses 5e-7 with RMSprop.
/// </summary>
public static class DpoLoss
{
    public static PreferenceLossOutput Compute(Tensor policyChosen, Tensor policyRejected, Tensor referenceChosen, Tensor referenceRejected, double beta)
    {
        if (!(beta > 0)) throw new TrainingException($"DPO beta must be > 0, got {beta}");
        using var scope = NewDisposeScope();
        var chosenRatio = policyChosen - referenceChosen;        // (B)
        var rejectedRatio = policyRejected - referenceRejected;  // (B)
        var losses = -nn.functional.logsigmoid(beta * (chosenRatio - rejectedRatio));
        return new PreferenceLossOutput(losses.MoveToOuterDisposeScope(),
            (beta * chosenRatio).detach().MoveToOuterDisposeScope(), (beta * rejectedRatio).detach().MoveToOuterDisposeScope());
    }
}
