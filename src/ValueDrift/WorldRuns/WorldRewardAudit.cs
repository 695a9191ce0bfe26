using ValueDrift.Probes;
using ValueDrift.World;
using ValueDrift.Experiments;

namespace ValueDrift.WorldRuns;

/// <summary>
/// The world's source for PPO's reward-model audit: the world's held-out reference answers of each stance for its
/// probe questions (<see cref="WorldLikelihoodItems"/>, from templates no training set uses), and the world's exact
/// marker judge (<see cref="WorldStanceLookup.Judge"/>) for the stances of the training pairs.
/// </summary>
public static class WorldRewardAudit
{
    /// <summary>Where the answers come from, as reward-audit.json names it.</summary>
    public const string SourceName = "world reference answers (held-out templates) for the probe questions";

    /// <summary>The audit source for the given topics (null: every world topic).</summary>
    public static RewardAuditSource Source(IEnumerable<string>? topics, int answersPerStance = WorldLikelihoodItems.DefaultAnswersPerStance, int seed = 0)
    {
        var items = WorldLikelihoodItems.For(WorldProbeQuestions.ForIds(topics).Select(p => new ProbeQuestion(p.Id, p.Topic, p.Question)), answersPerStance, seed);
        var answers = items.SelectMany(i => StanceLabels.All.SelectMany(s => i.Answers[s].Select(a => new LabelledAnswer(i.Id, i.Topic, i.Question, a, s)))).ToList();
        return new RewardAuditSource(answers, (_, text) => WorldStanceLookup.Judge(text) is { } w ? (Stance)(int)w : null, SourceName);
    }
}
