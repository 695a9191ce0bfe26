using TorchSharp;
using static TorchSharp.torch;

namespace ValueDrift.Training.Objectives;

/// <summary>
/// Reward-model loss (Bradley–Terry, as in InstructGPT and TRL's RewardTrainer): L = −log σ(r(x, y_w) − r(x, y_l)),
/// with r the scalar head's output on the last real token of each sequence.
/// </summary>
public static class BradleyTerryLoss
{
    public static Tensor Compute(Tensor chosenScores, Tensor rejectedScores) =>   // (B), (B) → (B)
        -nn.functional.logsigmoid(chosenScores - rejectedScores);
}
