using TorchSharp;
using ValueDrift.Errors;
using static TorchSharp.torch;

namespace ValueDrift.Training;

/// <summary>
/// Per-sequence completion log-probabilities, the one quantity every objective is built from.
/// <c>TokenLogProbs</c> (B, T−1) holds log π(x_{t+1} | x_≤t) on completion tokens and 0 elsewhere;
/// <c>Sum</c> (B) is what DPO and PPO use, <c>Mean</c> (B) = Sum / Count is what SimPO uses.
/// </summary>
public sealed record SequenceLogProbs(Tensor TokenLogProbs, Tensor Mask, Tensor Sum, Tensor Count)
{
    public Tensor Mean => Sum / Count;

    /// <summary>
    /// Shift by one (logits at t predict token t+1), mask prompt and padding, log-softmax in float32, gather the
    /// actual next tokens, then sum over the completion. Computed as logit − logsumexp(logits) so no (B, T, V)
    /// log-softmax copy is kept.
    /// </summary>
    /// <param name="logits">(B, T, V), any float dtype; converted to float32</param>
    /// <param name="inputIds">(B, T)</param>
    /// <param name="completionMask">(B, T), 1 on completion tokens</param>
    public static SequenceLogProbs Compute(Tensor logits, Tensor inputIds, Tensor completionMask)
    {
        using var scope = NewDisposeScope();
        long T = inputIds.shape[1];
        var l = logits.narrow(1, 0, T - 1).to(ScalarType.Float32);             // (B, T-1, V)
        var targets = inputIds.narrow(1, 1, T - 1).unsqueeze(-1);               // (B, T-1, 1)
        var mask = completionMask.narrow(1, 1, T - 1).to(ScalarType.Float32);   // (B, T-1)
        var count = mask.sum(1);                                                // (B)
        if (count.le(0).any().item<bool>())
            throw new TrainingException("a sequence in the batch has no completion tokens (all masked): its log-probability is undefined. Check truncation and the completion mask.");
        var tokenLogps = (l.gather(-1, targets).squeeze(-1) - l.logsumexp(-1)) * mask;   // (B, T-1)
        var sum = tokenLogps.sum(1);                                            // (B)
        return new SequenceLogProbs(tokenLogps.MoveToOuterDisposeScope(), mask.MoveToOuterDisposeScope(),
                                    sum.MoveToOuterDisposeScope(), count.MoveToOuterDisposeScope());
    }
}
