using TorchSharp.Modules;
using ValueDrift.Data;
using ValueDrift.Models;
using static TorchSharp.torch;

namespace ValueDrift.Training.Objectives;

/// <summary>
/// Reward modelling on preference pairs (<see cref="BradleyTerryLoss"/>): chosen and rejected go through one
/// concatenated forward; each sequence's reward is the head on its last real token. Logs rewards/chosen,
/// rewards/rejected, rewards/margins and rewards/accuracies (here the raw scores, not β-scaled log-ratios).
/// A checkpoint stores the backbone as the policy and the head as <see cref="RewardModel.HeadFile"/>.
/// </summary>
public sealed class RewardModelObjective(RewardModel model, IReadOnlyList<TokenizedPreference> pairs, int padId) : ITrainingObjective
{
    public string Name => "reward";
    public int ExampleCount => pairs.Count;
    public RewardModel Model => model;
    public CausalLM Policy => model.Backbone;
    public IEnumerable<Parameter> TrainableParameters => model.parameters().Where(p => p.requires_grad);   // with LoRA: A, B and the head
    public double Units(IReadOnlyList<int> indices) => indices.Count;   // mean over pairs

    public ObjectiveOutput Compute(IReadOnlyList<int> indices)
    {
        int B = indices.Count;
        using var batch = Batching.CollatePreference(indices.Select(i => pairs[i]).ToList(), padId, device: model.Backbone.Device);
        var scores = model.Scores(batch.InputIds, batch.AttentionMask);    // (2B): chosen rows, then rejected rows
        var chosen = scores.narrow(0, 0, B);
        var rejected = scores.narrow(0, B, B);
        var losses = BradleyTerryLoss.Compute(chosen, rejected);
        var margins = (chosen - rejected).detach();
        // The metrics in one host transfer (one device synchronisation on a GPU).
        var read = ScalarReads.Read(chosen.sum(), rejected.sum(), margins.sum(), margins.gt(0).to(ScalarType.Float32).sum(), batch.AttentionMask.sum());
        var metrics = new Dictionary<string, double>
        {
            ["rewards/chosen"] = read[0],
            ["rewards/rejected"] = read[1],
            ["rewards/margins"] = read[2],
            ["rewards/accuracies"] = read[3],
        };
        return new ObjectiveOutput(losses.sum(), metrics, (long)read[4]);
    }

    public void Prepare(string? runDirectory) { }
    public void SaveExtras(string checkpointDirectory) => model.SaveHead(checkpointDirectory);
    public void LoadExtras(string checkpointDirectory) => model.LoadHead(checkpointDirectory);
}
