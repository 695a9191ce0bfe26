using TorchSharp;
using ValueDrift.Data;
using ValueDrift.Errors;
using ValueDrift.Models;
using ValueDrift.Training;
using ValueDrift.Training.Objectives;
using Xunit;
using static TorchSharp.torch;

namespace ValueDrift.Tests.Training;

[Trait("tier", "fast")]
public class ObjectiveTests
{
    private static readonly ObjectivesFixture F = ObjectivesFixture.Load();

    private static void Close(double expected, double actual, double rel = 1e-4, string what = "")
        => Assert.True(Math.Abs(actual - expected) <= rel * Math.Max(1.0, Math.Abs(expected)), $"{what}: expected {expected}, got {actual}");

    /// <summary>Log-probs of chosen (first B rows) and rejected (next B rows) in one concatenated, right-padded forward.</summary>
    private static (SequenceLogProbs Chosen, SequenceLogProbs Rejected) Concatenated(CausalLM model)
    {
        using var batch = Batching.CollatePreference(F.Examples.Select(e => new TokenizedPreference(e.Prompt, e.Chosen, e.Rejected)).ToList(), padId: 0);
        using var logits = model.Forward(batch.InputIds);
        var lp = SequenceLogProbs.Compute(logits, batch.InputIds, batch.CompletionMask);
        int B = F.Examples.Length;
        return (Split(lp, 0, B), Split(lp, B, B));
    }

    private static SequenceLogProbs Split(SequenceLogProbs lp, int start, int n) =>
        new(lp.TokenLogProbs.narrow(0, start, n), lp.Mask.narrow(0, start, n), lp.Sum.narrow(0, start, n), lp.Count.narrow(0, start, n));

    [Fact]
    public void PerTokenLogProbsSumsAndMeansMatchTheReference()
    {
        using var policy = CausalLM.FromPretrained(Fixtures.TinyQwen3);
        var (chosen, rejected) = Concatenated(policy);
        for (int i = 0; i < F.Examples.Length; i++)
        {
            var e = F.Examples[i];
            foreach (var (lp, side, ids) in new[] { (chosen, e.ChosenSide, e.Chosen), (rejected, e.RejectedSide, e.Rejected) })
            {
                var row = lp.TokenLogProbs[i].data<float>().ToArray();
                var mask = lp.Mask[i].data<float>().ToArray();
                var picked = row.Where((_, t) => mask[t] > 0).ToArray();
                Assert.Equal(ids.Length, picked.Length);
                for (int t = 0; t < picked.Length; t++) Close(side.TokenLogps[t], picked[t], what: $"example {i} token {t}");
                Close(side.Sum, lp.Sum[i].item<float>(), what: $"example {i} sum");
                Close(side.Mean, lp.Mean[i].item<float>(), what: $"example {i} mean");
            }
        }
    }

    [Fact]
    public void SftDpoAndSimPoLossesMatchTheReference()
    {
        using var policy = CausalLM.FromPretrained(Fixtures.TinyQwen3);
        using var reference = CausalLM.FromPretrained(Fixtures.TinyQwen3Reference);
        var (pc, pr) = Concatenated(policy);
        var (rc, rr) = Concatenated(reference);
        for (int i = 0; i < F.Examples.Length; i++)
        {
            Close(F.Examples[i].ChosenSide.ReferenceSum, rc.Sum[i].item<float>(), what: "reference chosen sum");
            Close(F.Examples[i].RejectedSide.ReferenceSum, rr.Sum[i].item<float>(), what: "reference rejected sum");
        }

        Close(F.BatchSft, SftLoss.Mean(pc).item<float>(), what: "SFT");
        var dpo = DpoLoss.Compute(pc.Sum, pr.Sum, rc.Sum, rr.Sum, F.DpoBeta);
        var simpo = SimPoLoss.Compute(pc.Mean, pr.Mean, F.SimPoBeta, F.SimPoGamma);
        for (int i = 0; i < F.Examples.Length; i++)
        {
            Close(F.Examples[i].Dpo, dpo.Losses[i].item<float>(), what: $"DPO {i}");
            Close(F.Examples[i].RewardChosen, dpo.ChosenRewards[i].item<float>(), what: $"reward chosen {i}");
            Close(F.Examples[i].RewardRejected, dpo.RejectedRewards[i].item<float>(), what: $"reward rejected {i}");
            Close(F.Examples[i].SimPo, simpo.Losses[i].item<float>(), what: $"SimPO {i}");
        }
        Close(F.BatchDpo, dpo.Losses.mean().item<float>(), what: "DPO batch");
        Close(F.BatchSimPo, simpo.Losses.mean().item<float>(), what: "SimPO batch");
    }

    [Fact]
    public void DpoWithThePolicyAsItsOwnReferenceIsLn2()
    {
        using var policy = CausalLM.FromPretrained(Fixtures.TinyQwen3);
        var (pc, pr) = Concatenated(policy);
        var dpo = DpoLoss.Compute(pc.Sum, pr.Sum, pc.Sum, pr.Sum, F.DpoBeta);
        Close(F.DpoSelfReference, dpo.Losses.mean().item<float>(), rel: 1e-6, what: "self-reference DPO");
        Close(Math.Log(2), dpo.Losses.mean().item<float>(), rel: 1e-6, what: "ln 2");
    }

    [Fact]
    public void InvalidBetaAndEmptyCompletionsAreTrainingErrors()
    {
        var x = zeros(2);
        Assert.Throws<TrainingException>(() => DpoLoss.Compute(x, x, x, x, 0));
        Assert.Throws<TrainingException>(() => DpoLoss.Compute(x, x, x, x, -0.1));
        Assert.Throws<TrainingException>(() => SimPoLoss.Compute(x, x, 0, 1));
        Assert.Throws<TrainingException>(() => SimPoLoss.Compute(x, x, 2, double.NaN));
        using var batch = Batching.Collate([new TokenizedExample([1, 2, 3], [4, 5]), new TokenizedExample([1, 2], [])], padId: 0);
        using var logits = randn(2, 5, 10);
        var e = Assert.Throws<TrainingException>(() => SequenceLogProbs.Compute(logits, batch.InputIds, batch.CompletionMask));
        Assert.Contains("no completion tokens", e.Message);
    }

    [Fact]
    public void SequenceLogProbsEqualAHandComputationOnATinyVocabulary()
    {
        // One sequence [0, 2, 1] with prompt [0] and completion [2, 1]; vocabulary 3; fixed logits.
        var logits = tensor(new float[] { 1, 2, 3, /**/ 0, 0, 0, /**/ 5, 1, 1 }).reshape(1, 3, 3);
        using var batch = Batching.Collate([new TokenizedExample([0], [2, 1])], padId: 0);
        var lp = SequenceLogProbs.Compute(logits, batch.InputIds, batch.CompletionMask);
        double lse0 = Math.Log(Math.Exp(1) + Math.Exp(2) + Math.Exp(3)), lse1 = Math.Log(3);
        double expected = (3 - lse0) + (0 - lse1);       // log p(2 | [0]) + log p(1 | [0, 2])
        Close(expected, lp.Sum[0].item<float>(), rel: 1e-6, what: "sum");
        Close(expected / 2, lp.Mean[0].item<float>(), rel: 1e-6, what: "mean");
    }
}
