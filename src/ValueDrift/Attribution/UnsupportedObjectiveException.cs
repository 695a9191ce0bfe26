using ValueDrift.Errors;

namespace ValueDrift.Attribution;

/// <summary>
/// Attribution of a stage whose training is not a sum of per-example losses. PPO's update comes from rollouts the
/// policy sampled and a learned value model, not from the dataset's rows one by one, so no per-example gradient of
/// the stage's data exists to attribute with; the supported objectives are SFT, DPO, SimPO and reward modelling.
/// </summary>
public sealed class UnsupportedObjectiveException(string file, string algorithm)
    : ValueDriftException($"{file}: field 'definition.algorithm.name': attribution does not support '{algorithm}' stages: " +
                          "their updates come from sampled rollouts, not per-example losses of the data (supported: sft, dpo, simpo, reward)")
{
    public string File { get; } = file;
    public string Algorithm { get; } = algorithm;
}
