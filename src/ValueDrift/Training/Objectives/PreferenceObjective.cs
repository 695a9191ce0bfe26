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
        var read = ScalarReads.Read(output.ChosenRewards.sum(), output.RejectedRewards.sum(), margins.sum(),
            margins.gt(0).to(ScalarType.Float32).sum(), chosen.Sum.detach().sum(), rejected.Sum.detach().sum(), batch.AttentionMask.sum());   // one host read
        var metrics = new Dictionary<string, double>
        {
            ["rewards/chosen"] = read[0], ["rewards/rejected"] = read[1], ["rewards/margins"] = read[2],
            ["rewards/accuracies"] = read[3], ["logps/chosen"] = read[4], ["logps/rejected"] = read[5],
        };
        return new ObjectiveOutput(output.Losses.sum(), metrics, (long)read[6]);
    }

    internal static SequenceLogProbs Slice(SequenceLogProbs lp, int start, int n) =>
        new(lp.TokenLogProbs.narrow(0, start, n), lp.Mask.narrow(0, start, n), lp.Sum.narrow(0, start, n), lp.Count.narrow(0, start, n));

    public virtual void Prepare(string? runDirectory) { }
    public virtual void SaveExtras(string checkpointDirectory) { }
    public virtual void LoadExtras(string checkpointDirectory) { }
}
