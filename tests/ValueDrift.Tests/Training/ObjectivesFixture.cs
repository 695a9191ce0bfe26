using System.Text.Json;

namespace ValueDrift.Tests.Training;

/// <summary>objectives-tiny-qwen3.json: reference values of per-token log-probs and SFT / DPO / SimPO losses.</summary>
public sealed class ObjectivesFixture
{
    public sealed record Side(double[] TokenLogps, double Sum, double Mean, double ReferenceSum);
    public sealed record Example(int[] Prompt, int[] Chosen, int[] Rejected, Side ChosenSide, Side RejectedSide, double Dpo, double RewardChosen, double RewardRejected, double SimPo);

    public double DpoBeta { get; init; }
    public double SimPoBeta { get; init; }
    public double SimPoGamma { get; init; }
    public required Example[] Examples { get; init; }
    public double BatchSft { get; init; }
    public double BatchDpo { get; init; }
    public double BatchSimPo { get; init; }
    public double DpoSelfReference { get; init; }

    public static ObjectivesFixture Load()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Fixtures.Objectives));
        var r = doc.RootElement;
        int[] Ids(JsonElement e) => e.EnumerateArray().Select(x => x.GetInt32()).ToArray();
        Side S(JsonElement e) => new(e.GetProperty("policy_token_logps").EnumerateArray().Select(x => x.GetDouble()).ToArray(),
            e.GetProperty("policy_sum").GetDouble(), e.GetProperty("policy_mean").GetDouble(), e.GetProperty("reference_sum").GetDouble());
        var s = r.GetProperty("settings");
        var b = r.GetProperty("batch");
        return new ObjectivesFixture
        {
            DpoBeta = s.GetProperty("dpo_beta").GetDouble(), SimPoBeta = s.GetProperty("simpo_beta").GetDouble(), SimPoGamma = s.GetProperty("simpo_gamma").GetDouble(),
            Examples = r.GetProperty("examples").EnumerateArray().Select(e => new Example(Ids(e.GetProperty("prompt_ids")), Ids(e.GetProperty("chosen_ids")), Ids(e.GetProperty("rejected_ids")),
                S(e.GetProperty("chosen")), S(e.GetProperty("rejected")), e.GetProperty("dpo_loss").GetDouble(), e.GetProperty("dpo_reward_chosen").GetDouble(),
                e.GetProperty("dpo_reward_rejected").GetDouble(), e.GetProperty("simpo_loss").GetDouble())).ToArray(),
            BatchSft = b.GetProperty("sft_loss").GetDouble(), BatchDpo = b.GetProperty("dpo_loss").GetDouble(), BatchSimPo = b.GetProperty("simpo_loss").GetDouble(),
            DpoSelfReference = b.GetProperty("dpo_loss_when_reference_equals_policy").GetDouble(),
        };
    }
}
