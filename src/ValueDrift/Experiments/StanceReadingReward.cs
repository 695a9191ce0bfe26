using System.Text.Json.Nodes;
using ValueDrift.Probes;
using ValueDrift.Training.Objectives;

namespace ValueDrift.Experiments;

/// <summary>
/// A reward function that reads the stance each response takes: it reports each rollout's mean score and share per
/// stance (<see cref="IRewardBreakdown"/>: <c>rollout/score_support</c>, <c>rollout/share_support</c>, …, "none" for
/// responses taking no stance), and with offsets it removes the reward's preference between stances
/// (<c>ppo.centre_reward_by_stance</c>): each response's score less the offset of the stance it takes, where a stance's
/// offset is its held-out answers' mean score less the mean of those means, so that every stance scores the same on
/// average. What stays is the reward's preference within a stance (fluency, length, ending). A response taking no
/// stance keeps its score.
/// </summary>
/// <param name="inner">The reward model's scores.</param>
/// <param name="offsets">Per stance, subtracted from the score of a response taking it (<see cref="OffsetsFrom"/>); empty: scores unchanged.</param>
/// <param name="stanceOf">The stance a response (its token ids) takes, or null for none.</param>
public sealed class StanceReadingReward(IRewardFunction inner, IReadOnlyDictionary<Stance, double> offsets, Func<int[], Stance?> stanceOf)
    : IRewardFunction, IRewardBreakdown
{
    /// <summary>The file in a PPO stage folder that records the offsets and the means they came from.</summary>
    public const string FileName = "reward-centring.json";

    public IReadOnlyDictionary<Stance, double> Offsets => offsets;

    /// <summary>Per stance of the last rollout (and "none"): the share of its responses (0 when none took it), and their mean score before any offset (only where some did).</summary>
    public IReadOnlyDictionary<string, double> LastBreakdown { get; private set; } = new Dictionary<string, double>();

    public double[] Score(IReadOnlyList<int[]> prompts, IReadOnlyList<int[]> responses)
    {
        var scores = inner.Score(prompts, responses).ToArray();
        var stances = responses.Select(stanceOf).ToArray();
        // Every share, 0 for a stance no response took, so each step's metrics have the same share keys; a score only
        // where some response took the stance.
        var breakdown = StanceLabels.All.Select(s => s.Label()).Append("none").ToDictionary(n => $"rollout/share_{n}", _ => 0.0);
        foreach (var group in stances.Select((s, i) => (Name: s?.Label() ?? "none", Score: scores[i])).GroupBy(x => x.Name))
        {
            breakdown[$"rollout/score_{group.Key}"] = group.Average(x => x.Score);
            breakdown[$"rollout/share_{group.Key}"] = (double)group.Count() / scores.Length;
        }
        LastBreakdown = breakdown;
        for (var i = 0; i < scores.Length; i++)
            if (stances[i] is { } stance && offsets.TryGetValue(stance, out var offset)) scores[i] -= offset;
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
