using System.CommandLine;
using System.Text.Json.Nodes;
using ValueDrift.Common;
using ValueDrift.Errors;
using ValueDrift.Training.Algorithms;

namespace ValueDrift.Cli.Commands;

/// <summary>
/// <c>valuedrift rewards --policy DIR --reference DIR --data FILE [--beta 0.1] [--simpo-beta 2 --simpo-gamma 1] ...</c>:
/// scores every preference pair without training (<see cref="PairScorer"/>) and prints one JSON line per pair:
/// chosen_logp, rejected_logp (policy, summed over completion tokens), chosen_ref_logp, rejected_ref_logp,
/// chosen_mean_logp, rejected_mean_logp (policy, token-mean), reward_chosen, reward_rejected (DPO implicit rewards
/// β(log π − log π_ref)) and NAME_loss for every method defined by a pairwise loss (dpo_loss, simpo_loss, ...). The
/// loss settings offered (β, γ, ...) and their defaults are the methods' records'.
/// </summary>
public sealed class RewardsCommand : ICliCommand
{
    public Command Build(CliIO io)
    {
        var defaults = new PairScoreOptions();
        var policy = new Option<string>("--policy") { Description = "policy model folder", Required = true };
        var reference = new Option<string>("--reference") { Description = "reference model folder", Required = true };
        var data = new Option<string>("--data") { Description = "preference pairs (JSONL, JSON or Parquet)", Required = true };
        var batchSize = new Option<int>("--batch-size") { Description = "pairs per forward pass", DefaultValueFactory = _ => defaults.BatchSize };
        var maxLength = new Option<int?>("--max-length") { Description = "most tokens per prompt + completion" };
        var skipBad = new Option<bool>("--skip-bad-rows") { Description = "skip malformed rows instead of stopping" };
        var adapterBase = AdapterBaseOption.Create();
        var methods = defaults.Methods.Select(m => new AlgorithmOptions(m, o => o.ShapesLoss)).ToList();
        var cmd = new Command("rewards", $"Score preference pairs: log-probs, DPO implicit rewards, the losses of {string.Join(", ", defaults.Methods.Select(m => m.Name))} (one JSON line per pair).")
            { policy, reference, data, batchSize, maxLength, skipBad, adapterBase };
        foreach (var m in methods) m.AddTo(cmd);
        cmd.SetAction(r =>
        {
            AdapterBaseOption.Apply(r, adapterBase);
            if (r.GetValue(batchSize) <= 0) throw new ValueDriftException("--batch-size must be > 0");
            var options = defaults with
            {
                BatchSize = r.GetValue(batchSize), MaxLength = r.GetValue(maxLength), SkipBadRows = r.GetValue(skipBad),
                Methods = methods.Select(m => m.Read(r)).ToList(),
            };
            foreach (var pair in PairScorer.Score(r.GetValue(policy)!, r.GetValue(reference)!, r.GetValue(data)!, options, LineLogger.To(io.Err)))
            {
                var line = new JsonObject();
                foreach (var (key, value) in pair) line[key] = value;
                io.Out.WriteLine(line.ToJsonString());
            }
            return 0;
        });
        return cmd;
    }
}
