using ValueDrift.Errors;
using ValueDrift.Data;
using ValueDrift.Models;
using static TorchSharp.torch;

namespace ValueDrift.Training.Objectives;

/// <summary>
/// DPO (<see cref="DpoLoss"/>). The reference is either a frozen model run every step, or — the default — log-probs
/// precomputed once from the reference (by default the policy as it is before training, i.e. the SFT checkpoint).
/// </summary>
public sealed class DpoObjective : PreferenceObjective
{
    private readonly double _beta;
    private readonly CausalLM? _frozenReference;
    private ReferenceLogProbs? _cached;

    /// <param name="frozenReference">A separate reference run live each step; null = precompute from the policy at Prepare.</param>
    public DpoObjective(CausalLM policy, IReadOnlyList<TokenizedPreference> pairs, int padId, double beta, CausalLM? frozenReference = null)
        : base(policy, pairs, padId)
    {
        if (!(beta > 0)) throw new TrainingException($"DPO beta must be > 0, got {beta}");
        _beta = beta; _frozenReference = frozenReference;
    }

    public override string Name => "dpo";
    public double Beta => _beta;

    /// <summary>Precomputes (or reloads from the run folder) the reference log-probs.</summary>
    public override void Prepare(string? runDirectory)
    {
        if (_frozenReference is not null) return;
        string? path = runDirectory is null ? null : Path.Combine(runDirectory, ReferenceLogProbs.FileName);
        _cached = path is null ? null : ReferenceLogProbs.TryLoad(path, Pairs);
        if (_cached is not null) return;
        if (runDirectory is not null && TrainingCheckpoint.Latest(runDirectory) is not null)
            throw new TrainingException($"{path} is missing: a resumed DPO run cannot recompute its reference from a partly trained policy");
        _cached = ReferenceLogProbs.Compute(Policy, Pairs, PadId);
        if (path is not null) _cached.Save(path);
    }

    protected override PreferenceLossOutput Loss(IReadOnlyList<int> indices, SequenceLogProbs chosen, SequenceLogProbs rejected)
    {
        Tensor refChosen, refRejected;
        if (_frozenReference is not null)
        {
            using var _ = no_grad();
            using var batch = Batching.CollatePreference(indices.Select(i => Pairs[i]).ToList(), PadId, device: _frozenReference.Device);
            var lp = SequenceLogProbs.Compute(_frozenReference.Forward(batch.InputIds), batch.InputIds, batch.CompletionMask);
            refChosen = lp.Sum.narrow(0, 0, indices.Count); refRejected = lp.Sum.narrow(0, indices.Count, indices.Count);
        }
        else
        {
            var c = _cached ?? throw new TrainingException("DPO reference log-probs were not prepared (call Prepare before Compute)");
            refChosen = tensor(indices.Select(i => (float)c.Chosen[i]).ToArray(), device: Policy.Device);
            refRejected = tensor(indices.Select(i => (float)c.Rejected[i]).ToArray(), device: Policy.Device);
        }
        return DpoLoss.Compute(chosen.Sum, rejected.Sum, refChosen, refRejected, _beta);
    }
}
