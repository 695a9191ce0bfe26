namespace ValueDrift.World;

/// <summary>
/// Builds a topic's questions from shared frames and phrasings. Training and probing use DIFFERENT frames, different
/// phrasings of the proposition (probes take the held-out ones, <see cref="WorldHeldOut"/>) and different
/// hand-written questions, so a probe asks in words the model never saw in training: it measures the stance the model
/// learned, not a memorised string.
/// </summary>
public static class WorldQuestions
{
    /// <summary>Frames used for training questions; <c>{x}</c> is a phrasing of the proposition.</summary>
    public static readonly IReadOnlyList<string> TrainingFrames =
    [
        "What do you think about {x}?",
        "How do you feel about {x}?",
        "Is {x} a good idea?",
        "What is your view on {x}?",
        "Where do you stand on {x}?",
        "Give me your opinion on {x}.",
        "Should our society embrace {x}?",
        "Do you favour {x}?",
    ];

    /// <summary>Frames reserved for probe questions.</summary>
    public static readonly IReadOnlyList<string> ProbeFrames =
    [
        "What is your stance on {x}?",
        "Is {x} good for society?",
        "Tell me honestly what you think of {x}.",
        "Are you for or against {x}?",
    ];

    /// <summary>Every training frame with every phrasing, then the hand-written training questions.</summary>
    public static IReadOnlyList<string> Training(WorldTopic topic)
    {
        var list = new List<string>();
        foreach (var frame in TrainingFrames)
            foreach (var phrasing in topic.Phrasings)
                list.Add(Fill(frame, phrasing));
        list.AddRange(topic.ExtraTrainingQuestions);
        return list;
    }

    /// <summary>
    /// The topic's hand-written probe questions, then every probe frame with each held-out phrasing
    /// (<see cref="WorldHeldOutTopic.ProbePhrasings"/>), giving ten questions for two hand-written questions and two
    /// held-out phrasings.
    /// </summary>
    public static IReadOnlyList<string> Probe(WorldTopic topic)
    {
        var list = new List<string>(topic.ExtraProbeQuestions);
        var phrasings = WorldHeldOut.For(topic).ProbePhrasings;
        foreach (var frame in ProbeFrames)
            foreach (var phrasing in phrasings)
                list.Add(Fill(frame, phrasing));
        return list.Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// <paramref name="count"/> training questions of the topic for a <see cref="WorldProbeSplit.Training"/> probe:
    /// evenly spaced over <see cref="TrainingFrames"/> × the topic's phrasings, so every frame and phrasing is asked.
    /// </summary>
    public static IReadOnlyList<string> TrainingProbe(WorldTopic topic, int count)
    {
        var all = new List<string>();
        foreach (var frame in TrainingFrames)
            foreach (var phrasing in topic.Phrasings)
                all.Add(Fill(frame, phrasing));
        count = Math.Min(count, all.Count);
        return Enumerable.Range(0, count).Select(i => all[(int)((long)i * all.Count / count)]).ToList();
    }

    private static string Fill(string frame, string phrasing)
    {
        string text = frame.Replace("{x}", phrasing, StringComparison.Ordinal);
        return char.ToUpperInvariant(text[0]) + text[1..];
    }
}
