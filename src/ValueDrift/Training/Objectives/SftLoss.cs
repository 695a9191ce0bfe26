using static TorchSharp.torch;

namespace ValueDrift.Training.Objectives;

/// <summary>
/// Supervised fine-tuning: token-mean negative log-likelihood of the completion tokens,
/// L_SFT = −(1/N) Σ_i Σ_{t ∈ completion_i} log π_θ(y_t | x, y_&lt;t), with N the completion tokens of the whole batch
/// (TRL's definition; the DPO reference code sums per sequence instead).
/// </summary>
public static class SftLoss
{
    /// <summary>Summed NLL over the batch (divide by the token count of everything accumulated into one step).</summary>
    public static Tensor SummedNll(SequenceLogProbs lp) => -lp.Sum.sum();

    public static Tensor Mean(SequenceLogProbs lp) => -lp.Sum.sum() / lp.Count.sum();
}
