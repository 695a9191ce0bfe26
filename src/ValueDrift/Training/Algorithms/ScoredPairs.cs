using static TorchSharp.torch;

namespace ValueDrift.Training.Algorithms;

/// <summary>
/// Completion log-probs of a batch of preference pairs, each (B) float64: summed over the completion tokens under the
/// policy and the reference, and token-mean under the policy. What a method's <see cref="Algorithm.PairLoss"/> reads.
/// </summary>
public sealed record ScoredPairs(Tensor Chosen, Tensor Rejected, Tensor ReferenceChosen, Tensor ReferenceRejected, Tensor ChosenMean, Tensor RejectedMean);
