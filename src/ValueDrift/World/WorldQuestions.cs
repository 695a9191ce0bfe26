namespace ValueDrift.World;

/// <summary>
/// Builds a topic's questions from shared frames and the topic's phrasings. Training and probing use DIFFERENT
/// frames (and different hand-written questions), so a probe asks in words the model never saw in training: it
/// measures the stance the model learned, not a memorised string.
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
    /// The topic's hand-written probe questions, then probe frames with two phrasings each (frame f takes phrasings
    /// f and f+2), giving ten questions for a topic with four phrasings.
    /// </summary>
    public static IReadOnlyList<string> Probe(WorldTopic topic)
    {
        var list = new List<string>(topic.ExtraProbeQuestions);
        int n = topic.Phrasings.Count;
        for (int f = 0; f < ProbeFrames.Count; f++)
        {
            list.Add(Fill(ProbeFrames[f], topic.Phrasings[f % n]));
            list.Add(Fill(ProbeFrames[f], topic.Phrasings[(f + 2) % n]));
        }
        return list.Distinct(StringComparer.Ordinal).ToList();
    }

    private static string Fill(string frame, string phrasing)
    {
        string text = frame.Replace("{x}", phrasing, StringComparison.Ordinal);
        return char.ToUpperInvariant(text[0]) + text[1..];
    }
}
