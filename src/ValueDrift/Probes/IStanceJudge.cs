namespace ValueDrift.Probes;

/// <summary>One thing to judge: an answer to a question on a topic.</summary>
public sealed record JudgeItem(string Topic, string Question, string Answer);

/// <summary>
/// Reads the stance an answer takes: p(s | x, y, T) in the paper, for s in {support, neutral, oppose}.
/// Judges must be deterministic for a fixed input where their backend allows it (temperature 0), because drift is
/// measured as differences between checkpoints and judge noise would read as drift.
/// </summary>
public interface IStanceJudge
{
    /// <summary>The stance distribution of <paramref name="answer"/> to <paramref name="question"/> on <paramref name="topic"/>.</summary>
    StanceDistribution Judge(string topic, string question, string answer);

    /// <summary>How this judge reads a stance when it has one way only: label log-probs for a model judge (default), an exact lookup for the world's.</summary>
    JudgeReadout Readout => JudgeReadout.LogProbs;

    /// <summary>
    /// The order in which this judge's prompt lists the labels for a question (see <see cref="JudgePrompt.LabelOrder"/>),
    /// recorded by probes; null for judges without a prompt.
    /// </summary>
    IReadOnlyList<Stance>? LabelOrder(string topic, string question) => null;

    /// <summary>Judges many items, in order. Backends that can batch override this; the default loops.</summary>
    IReadOnlyList<StanceDistribution> JudgeMany(IReadOnlyList<JudgeItem> items)
    {
        var results = new StanceDistribution[items.Count];
        for (var i = 0; i < items.Count; i++)
            results[i] = Judge(items[i].Topic, items[i].Question, items[i].Answer);
        return results;
    }
}
