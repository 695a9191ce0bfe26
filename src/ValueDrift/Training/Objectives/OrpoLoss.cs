using TorchSharp;
using ValueDrift.Errors;
using static TorchSharp.torch;

namespace ValueDrift.Training.Objectives;

/// <summary>
/// ORPO, odds-ratio preference optimisation (Hong, Lee and Thorne, 2024, eqs. 4–7): supervised fine-tuning on the
/// chosen answer plus a penalty on the odds of the rejected one, with no reference model:
/// L_ORPO = −m_w − λ · log σ( log odds(y_w) − log odds(y_l) ),
/// log odds(y) = m − log(1 − exp(m)), m the token-mean completion log-prob (the length-normalised likelihood
/// P(y|x) = exp(m)). λ is TRL's ORPOConfig.beta (default 0.1). Rewards are λ · m, as TRL logs them.
/// Per pair, the NLL term is the chosen answer's own token mean; TRL averages it over all chosen tokens of the batch
/// (prompt tokens included), which is the same when answers are equally long. Per pair keeps the loss a mean over
/// pairs, so gradient accumulation is exact and <c>valuedrift rewards</c> can print it per pair.
/// </summary>
public static class OrpoLoss
{
    /// <summary>−ln 2: below it log1p(−exp(x)) is accurate, above it log(−expm1(x)) is (TRL's log1mexp branch point).</summary>
    private const double Branch = -0.6931471805599453;

    /// <param name="chosenMean">Token-mean completion log-probs of the chosen answers, (B), each &lt; 0.</param>
    /// <param name="rejectedMean">The same for the rejected answers, (B).</param>
    public static PreferenceLossOutput Compute(Tensor chosenMean, Tensor rejectedMean, double lambda)
    {
        if (!(lambda > 0) || double.IsInfinity(lambda)) throw new TrainingException($"ORPO lambda must be a finite value > 0, got {lambda}");
        using var scope = NewDisposeScope();
        var logOdds = (chosenMean - rejectedMean) - (Log1mExp(chosenMean) - Log1mExp(rejectedMean));   // (B)
        var losses = -chosenMean - lambda * nn.functional.logsigmoid(logOdds);
        return new PreferenceLossOutput(losses.MoveToOuterDisposeScope(),
            (lambda * chosenMean).detach().MoveToOuterDisposeScope(), (lambda * rejectedMean).detach().MoveToOuterDisposeScope());
    }

    /// <summary>
    /// log(1 − exp(x)) for x &lt; 0, stably: log1p(−exp(x)) below −ln 2, log(−expm1(x)) above. Each branch sees its input
    /// clamped to its own side, so the branch not taken stays finite and its zero gradient cannot turn into NaN.
    /// </summary>
    public static Tensor Log1mExp(Tensor x)
    {
        var low = log1p(-exp(x.clamp_max(Branch)));
        var high = log(-expm1(x.clamp_min(Branch)));
        return where(x < Branch, low, high);
    }
}
