using TorchSharp.Modules;
using ValueDrift.Data;
using ValueDrift.Models;
using static TorchSharp.torch;

namespace ValueDrift.Training.Objectives;

/// <summary>
/// Shared part of DPO and SimPO: chosen and rejected go through ONE concatenated forward (first B rows chosen, next B
/// rejected, as in the DPO reference code), then a pure loss over per-pair log-probs. Logs TRL's metric names:
/// rewards/chosen, rewards/rejected, rewards/margins, rewards/accuracies, logps/chosen, logps/rejected (summed).
/// </summary>
public abstract class PreferenceObjective(CausalLM policy, IReadOnlyList<TokenizedPreference> pairs, int padId) : ITrainingObjective
{
    protected IReadOnlyList<TokenizedPreference> Pairs => pairs;
    protected int PadId => padId;
    public abstract string Name { get; }
    public int ExampleCount => pairs.Count;
    public CausalLM Policy => policy;
    public IEnumerable<Parameter> TrainableParameters => policy.TrainableParameters;   // with LoRA: A and B only
    public double Units(IReadOnlyList<int> indices) => indices.Count;   // the loss is a mean over pairs

    protected abstract PreferenceLossOutput Loss(IReadOnlyList<int> indices, SequenceLogProbs chosen, SequenceLogProbs rejected);

    public ObjectiveOutput Compute(IReadOnlyList<int> indices)
    {
        int B = indices.Count;
        using var batch = Batching.CollatePreference(indices.Select(i => pairs[i]).ToList(), padId, device: policy.Device);
        var lp = SequenceLogProbs.Compute(policy.Forward(batch.InputIds), batch.InputIds, batch.CompletionMask);   // (2B)
        var chosen = Slice(lp, 0, B);
        var rejected = Slice(lp, B, B);
        var output = Loss(indices, chosen, rejected);
        var margins = output.ChosenRewards - output.RejectedRewards;
        var metrics = new Dictionary<string, double>
        {
            ["rewards/chosen"] = output.ChosenRewards.sum().item<float>(),
            ["rewards/rejected"] = output.RejectedRewards.sum().item<float>(),
            ["rewards/margins"] = margins.sum().item<float>(),
            ["rewards/accuracies"] = margins.gt(0).to(ScalarType.Float32).sum().item<float>(),
            ["logps/chosen"] = chosen.Sum.detach().sum().item<float>(),
            ["logps/rejected"] = rejected.Sum.detach().sum().item<float>(),
        };
        return new ObjectiveOutput(output.Losses.sum(), metrics, batch.AttentionMask.sum().item<long>());
    }

    internal static SequenceLogProbs Slice(SequenceLogProbs lp, int start, int n) =>
        new(lp.TokenLogProbs.narrow(0, start, n), lp.Mask.narrow(0, start, n), lp.Sum.narrow(0, start, n), lp.Count.narrow(0, start, n));

    public virtual void Prepare(string? runDirectory) { }
    public virtual void SaveExtras(string checkpointDirectory) { }
    public virtual void LoadExtras(string checkpointDirectory) { }
}
