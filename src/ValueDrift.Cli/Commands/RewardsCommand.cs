using System.CommandLine;
using System.Text.Json.Nodes;
using ValueDrift.Common;
using ValueDrift.Data;
using ValueDrift.Errors;
using ValueDrift.Experiments;
using ValueDrift.Models;
using ValueDrift.Training;
using ValueDrift.Training.Objectives;
using static TorchSharp.torch;

namespace ValueDrift.Cli.Commands;

/// <summary>
/// <c>valuedrift rewards --policy DIR --reference DIR --data FILE [--beta 0.1] [--simpo-beta 2 --simpo-gamma 1]</c>:
/// scores every preference pair without training and prints one JSON line per pair: chosen_logp, rejected_logp
/// (policy, summed over completion tokens), chosen_ref_logp, rejected_ref_logp, chosen_mean_logp, rejected_mean_logp
/// (policy, token-mean), reward_chosen, reward_rejected (DPO implicit rewards β(log π − log π_ref)), dpo_loss, simpo_loss.
/// </summary>
public sealed class RewardsCommand : ICliCommand
{
    public Command Build(CliIO io)
    {
        var policy = new Option<string>("--policy") { Description = "policy model folder", Required = true };
        var reference = new Option<string>("--reference") { Description = "reference model folder", Required = true };
        var data = new Option<string>("--data") { Description = "preference pairs (JSONL, JSON or Parquet)", Required = true };
        var beta = new Option<double>("--beta") { Description = "DPO β", DefaultValueFactory = _ => 0.1 };
        var simpoBeta = new Option<double>("--simpo-beta") { Description = "SimPO β", DefaultValueFactory = _ => 2.0 };
        var simpoGamma = new Option<double>("--simpo-gamma") { Description = "SimPO absolute margin γ", DefaultValueFactory = _ => 1.0 };
        var batchSize = new Option<int>("--batch-size") { Description = "pairs per forward pass", DefaultValueFactory = _ => 8 };
        var maxLength = new Option<int?>("--max-length") { Description = "most tokens per prompt + completion" };
        var skipBad = new Option<bool>("--skip-bad-rows") { Description = "skip malformed rows instead of stopping" };
        var adapterBase = AdapterBaseOption.Create();
        var cmd = new Command("rewards", "Score preference pairs: log-probs, DPO implicit rewards, DPO and SimPO losses (one JSON line per pair).")
            { policy, reference, data, beta, simpoBeta, simpoGamma, batchSize, maxLength, skipBad, adapterBase };
        cmd.SetAction(r =>
        {
            AdapterBaseOption.Apply(r, adapterBase);
            if (r.GetValue(batchSize) <= 0) throw new ValueDriftException("--batch-size must be > 0");
            double b = r.GetValue(beta), sb = r.GetValue(simpoBeta), sg = r.GetValue(simpoGamma);
            using var pi = CausalLM.FromPretrained(r.GetValue(policy)!);
            using var re = CausalLM.FromPretrained(r.GetValue(reference)!);
            if (pi.Config.VocabSize != re.Config.VocabSize)
                throw new ValueDriftException($"--reference: vocabulary size {re.Config.VocabSize} differs from the policy's {pi.Config.VocabSize}");
            var inputs = new StageInputs(r.GetValue(policy)!, pi.Config, r.GetValue(maxLength), r.GetValue(skipBad), LineLogger.To(io.Err));
            var pairs = inputs.Preferences(r.GetValue(data)!);
            pi.eval(); re.eval();
            using var _ = no_grad();
            foreach (var chunk in pairs.Chunk(r.GetValue(batchSize)))
            {
                using var scope = NewDisposeScope();
                int n = chunk.Length;
                using var batch = Batching.CollatePreference(chunk, inputs.PadId, device: pi.Device);
                var lp = SequenceLogProbs.Compute(pi.Forward(batch.InputIds), batch.InputIds, batch.CompletionMask);   // (2n): chosen rows, then rejected
                var lr = SequenceLogProbs.Compute(re.Forward(batch.InputIds), batch.InputIds, batch.CompletionMask);
                Tensor Half(Tensor t, int start) => t.narrow(0, start, n).to(ScalarType.Float64);
                var (pc, pr, rc, rr) = (Half(lp.Sum, 0), Half(lp.Sum, n), Half(lr.Sum, 0), Half(lr.Sum, n));
                var (mc, mr) = (Half(lp.Mean, 0), Half(lp.Mean, n));
                var dpo = DpoLoss.Compute(pc, pr, rc, rr, b);
                var simpo = SimPoLoss.Compute(mc, mr, sb, sg);
                var columns = new (string Key, double[] Values)[]
                {
                    ("chosen_logp", Values(pc)), ("rejected_logp", Values(pr)), ("chosen_ref_logp", Values(rc)), ("rejected_ref_logp", Values(rr)),
                    ("chosen_mean_logp", Values(mc)), ("rejected_mean_logp", Values(mr)),
                    ("reward_chosen", Values(dpo.ChosenRewards)), ("reward_rejected", Values(dpo.RejectedRewards)),
                    ("dpo_loss", Values(dpo.Losses)), ("simpo_loss", Values(simpo.Losses)),
                };
                for (int i = 0; i < n; i++)
                {
                    var line = new JsonObject();
                    foreach (var (key, values) in columns) line[key] = values[i];
                    io.Out.WriteLine(line.ToJsonString());
                }
            }
            return 0;
        });
        return cmd;
    }

    private static double[] Values(Tensor t) => t.to(ScalarType.Float64).cpu().data<double>().ToArray();
}
