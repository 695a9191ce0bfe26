using System.Text.Json.Nodes;
using ValueDrift.Probes;
using ValueDrift.Training.Objectives;

namespace ValueDrift.Experiments;

/// <summary>
/// A reward function with its preference between stances removed (<c>ppo.centre_reward_by_stance</c>): each
/// response's score less the offset of the stance it takes, where a stance's offset is its held-out answers' mean
/// score less the mean of those means, so that every stance scores the same on average. What stays is the reward's
/// preference within a stance (fluency, length, ending). A response taking no stance keeps its score.
/// </summary>
/// <param name="inner">The reward model's scores.</param>
/// <param name="offsets">Per stance, subtracted from the score of a response taking it (<see cref="OffsetsFrom"/>).</param>
/// <param name="stanceOf">The stance a response (its token ids) takes, or null for none.</param>
public sealed class StanceCentredReward(IRewardFunction inner, IReadOnlyDictionary<Stance, double> offsets, Func<int[], Stance?> stanceOf) : IRewardFunction
{
    /// <summary>The file in a PPO stage folder that records the offsets and the means they came from.</summary>
    public const string FileName = "reward-centring.json";

    public IReadOnlyDictionary<Stance, double> Offsets => offsets;

    public double[] Score(IReadOnlyList<int[]> prompts, IReadOnlyList<int[]> responses)
    {
        var scores = inner.Score(prompts, responses).ToArray();
        for (var i = 0; i < scores.Length; i++)
            if (stanceOf(responses[i]) is { } stance && offsets.TryGetValue(stance, out var offset)) scores[i] -= offset;
        return scores;
    }

    /// <summary>Each stance's mean score less the mean of the stances' means (the audit's <see cref="RewardAuditResult.ByStance"/>).</summary>
    public static IReadOnlyDictionary<Stance, double> OffsetsFrom(IReadOnlyDictionary<Stance, RewardStanceMean> byStance)
    {
        if (byStance.Count == 0) throw new ArgumentException("no stance has held-out answers to centre on", nameof(byStance));
        var centre = byStance.Values.Average(m => m.Mean);
        return byStance.ToDictionary(kv => kv.Key, kv => kv.Value.Mean - centre);
    }

    /// <summary>Writes the offsets and the held-out means they came from into <paramref name="stageDirectory"/>.</summary>
    public static string Write(string stageDirectory, IReadOnlyDictionary<Stance, double> offsets, RewardAuditResult raw)
    {
        var json = new JsonObject
        {
            ["source"] = raw.Source,
            ["offsets"] = new JsonObject(offsets.Select(kv => KeyValuePair.Create(kv.Key.Label(), (JsonNode?)kv.Value))),
            ["held_out_mean_scores"] = new JsonObject(raw.ByStance.Select(kv => KeyValuePair.Create(kv.Key.Label(), (JsonNode?)kv.Value.Mean))),
        };
        var path = Path.Combine(stageDirectory, FileName);
        IO.AtomicFile.WriteAllText(path, json.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        return path;
    }
}
