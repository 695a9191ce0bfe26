using Microsoft.Extensions.Logging;
using ValueDrift.Common;
using ValueDrift.Data;
using ValueDrift.Errors;
using ValueDrift.Models;
using static TorchSharp.torch;

namespace ValueDrift.Training.Algorithms;

/// <summary>How <see cref="PairScorer"/> reads and scores pairs.</summary>
public sealed record PairScoreOptions
{
    /// <summary>Pairs per forward pass.</summary>
    public int BatchSize { get; init; } = 8;
    /// <summary>Most tokens per prompt + completion; null: the data layer's limit.</summary>
    public int? MaxLength { get; init; }
    public bool SkipBadRows { get; init; }
    /// <summary>
    /// The methods whose per-pair losses are scored (NAME_loss), with their settings: by default every method of
    /// <see cref="AlgorithmRegistry"/> defined by a pairwise loss, at its defaults.
    /// </summary>
    public IReadOnlyList<Algorithm> Methods { get; init; } = AlgorithmRegistry.All.Where(a => a.PairLoss is not null).ToList();
}

/// <summary>
/// Scores preference pairs without training: one forward of the policy and one of the reference per batch (chosen
/// rows then rejected, as the preference objectives run them), then per pair: chosen_logp, rejected_logp (policy,
/// summed over completion tokens), chosen_ref_logp, rejected_ref_logp, chosen_mean_logp, rejected_mean_logp (policy,
/// token-mean), reward_chosen, reward_rejected (DPO's implicit rewards β(log π − log π_ref), at the DPO settings of
/// <see cref="PairScoreOptions.Methods"/>) and NAME_loss for each method there.
/// </summary>
public static class PairScorer
{
    /// <summary>The scores of every pair of <paramref name="dataPath"/>, in order, streamed batch by batch.</summary>
    public static IEnumerable<IReadOnlyList<(string Key, double Value)>> Score(string policyDir, string referenceDir, string dataPath, PairScoreOptions options, ILogger? log = null)
    {
        if (options.BatchSize <= 0) throw new ConfigException("rewards", "batch_size", $"must be > 0, got {options.BatchSize}");
        foreach (var m in options.Methods) m.Validate("rewards", new TrainerOptions());
        var rewardBeta = (options.Methods.OfType<Dpo>().FirstOrDefault() ?? new Dpo()).Beta;
        using var policy = CausalLM.FromPretrained(policyDir);
        using var reference = CausalLM.FromPretrained(referenceDir);
        if (policy.Config.VocabSize != reference.Config.VocabSize)
            throw new ValueDriftException($"--reference: vocabulary size {reference.Config.VocabSize} differs from the policy's {policy.Config.VocabSize}");
        var inputs = new StageInputs(policyDir, policy.Config, options.MaxLength, options.SkipBadRows, log ?? LineLogger.None);
        var pairs = inputs.Preferences(dataPath);
        policy.eval(); reference.eval();
        foreach (var chunk in pairs.Chunk(options.BatchSize))
        {
            var columns = ScoreBatch(policy, reference, chunk, inputs.PadId, rewardBeta, options.Methods);
            for (int i = 0; i < chunk.Length; i++)
                yield return columns.Select(c => (c.Key, c.Values[i])).ToList();
        }
    }

    private static List<(string Key, double[] Values)> ScoreBatch(CausalLM policy, CausalLM reference, TokenizedPreference[] chunk, int padId, double rewardBeta, IReadOnlyList<Algorithm> methods)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        int n = chunk.Length;
        using var batch = Batching.CollatePreference(chunk, padId, device: policy.Device);
        var lp = SequenceLogProbs.Compute(policy.Forward(batch.InputIds), batch.InputIds, batch.CompletionMask);      // (2n): chosen rows, then rejected
        var lr = SequenceLogProbs.Compute(reference.Forward(batch.InputIds), batch.InputIds, batch.CompletionMask);
        Tensor Half(Tensor t, int start) => t.narrow(0, start, n).to(ScalarType.Float64);
        var scored = new ScoredPairs(Half(lp.Sum, 0), Half(lp.Sum, n), Half(lr.Sum, 0), Half(lr.Sum, n), Half(lp.Mean, 0), Half(lp.Mean, n));
        var columns = new List<(string Key, double[] Values)>
        {
            ("chosen_logp", Values(scored.Chosen)), ("rejected_logp", Values(scored.Rejected)),
            ("chosen_ref_logp", Values(scored.ReferenceChosen)), ("rejected_ref_logp", Values(scored.ReferenceRejected)),
            ("chosen_mean_logp", Values(scored.ChosenMean)), ("rejected_mean_logp", Values(scored.RejectedMean)),
            ("reward_chosen", Values(rewardBeta * (scored.Chosen - scored.ReferenceChosen))),
            ("reward_rejected", Values(rewardBeta * (scored.Rejected - scored.ReferenceRejected))),
        };
        foreach (var m in methods)
            if (m.PairLoss is { } loss) columns.Add(($"{m.Name}_loss", Values(loss(scored))));
        return columns;
    }

    private static double[] Values(Tensor t) => t.to(ScalarType.Float64).cpu().data<double>().ToArray();
}
