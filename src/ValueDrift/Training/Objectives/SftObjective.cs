using TorchSharp.Modules;
using ValueDrift.Data;
using ValueDrift.Models;
using static TorchSharp.torch;

namespace ValueDrift.Training.Objectives;

/// <summary>
/// Supervised fine-tuning on (prompt, completion) token ids. Completion-only loss by default (TRL's default for
/// prompt-completion data); <c>trainOnPrompt</c> puts every token in the loss. See <see cref="SftLoss"/>.
/// </summary>
public sealed class SftObjective(CausalLM policy, IReadOnlyList<TokenizedExample> examples, int padId, bool trainOnPrompt = false) : ITrainingObjective
{
    public string Name => "sft";
    public int ExampleCount => examples.Count;
    public CausalLM Policy => policy;
    public IEnumerable<Parameter> TrainableParameters => policy.TrainableParameters;   // with LoRA: A and B only

    public double Units(IReadOnlyList<int> indices) => indices.Sum(i => examples[i].LossTokenCount(!trainOnPrompt));

    public ObjectiveOutput Compute(IReadOnlyList<int> indices)
    {
        using var batch = Batching.Collate(indices.Select(i => examples[i]).ToList(), padId, !trainOnPrompt, policy.Device);
        var logits = policy.Forward(batch.InputIds);                        // (B, T, V); right padding needs no mask
        var lp = SequenceLogProbs.Compute(logits, batch.InputIds, batch.CompletionMask);
        var correct = logits.narrow(1, 0, logits.shape[1] - 1).argmax(-1).eq(batch.InputIds.narrow(1, 1, logits.shape[1] - 1)).to(ScalarType.Float32) * lp.Mask;
        // One host read: per-example token accuracy summed, completion tokens, attended tokens.
        var read = ScalarReads.Read((correct.sum(1) / lp.Count).sum(), lp.Count.sum(), batch.AttentionMask.sum());
        return new ObjectiveOutput(SftLoss.SummedNll(lp),
            new Dictionary<string, double> { ["mean_token_accuracy"] = read[0], ["num_tokens"] = read[1] },
            (long)read[2]);
    }

    public void Prepare(string? runDirectory) { }
    public void SaveExtras(string checkpointDirectory) { }
    public void LoadExtras(string checkpointDirectory) { }
}
