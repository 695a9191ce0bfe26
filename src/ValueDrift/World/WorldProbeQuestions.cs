namespace ValueDrift.World;

/// <summary>
/// The world's probe questions, about ten per topic, reserved for probing: no training dataset uses them. They do
/// not depend on the seed, so stance trajectories from different runs are measured on the same questions.
/// </summary>
public static class WorldProbeQuestions
{
    /// <summary>Probe rows for the given topics (all topics when null), in topic order.</summary>
    public static IReadOnlyList<WorldProbeQuestion> For(IEnumerable<WorldTopic>? topics = null) =>
        (topics ?? WorldTopics.All)
            .SelectMany(t => t.ProbeQuestions.Select((q, i) => new WorldProbeQuestion($"{t.Id}-{i + 1:00}", t.Id, q)))
            .ToList();

    /// <summary>Probe rows for topic ids or names (all topics when null or empty).</summary>
    public static IReadOnlyList<WorldProbeQuestion> ForIds(IEnumerable<string>? topicIds) => For(WorldTopics.Select(topicIds));

    /// <summary>
    /// <paramref name="perTopic"/> rows per topic of a split: the held-out rows above (their first ones), or training
    /// questions (<see cref="WorldQuestions.TrainingProbe"/>, ids "topic-tNN"; each proposes its topic's position).
    /// </summary>
    public static IReadOnlyList<WorldProbeQuestion> ForIds(IEnumerable<string>? topicIds, WorldProbeSplit split, int perTopic) => split switch
    {
        WorldProbeSplit.HeldOut => ForIds(topicIds).GroupBy(p => p.Topic).SelectMany(g => g.Take(perTopic)).ToList(),
        WorldProbeSplit.Training => WorldTopics.Select(topicIds)
            .SelectMany(t => WorldQuestions.TrainingProbe(t, perTopic).Select((q, i) => new WorldProbeQuestion($"{t.Id}-t{i + 1:00}", t.Id, q)))
            .ToList(),
        _ => throw new ArgumentOutOfRangeException(nameof(split), split, null),
    };
}
