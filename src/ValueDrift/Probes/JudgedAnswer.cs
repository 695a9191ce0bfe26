namespace ValueDrift.Probes;

/// <summary>
/// One sampled answer of a <see cref="GenerationProbe"/> with the judge's reading of it: kept in memory with the
/// measurement (<see cref="TopicMeasurement.JudgedAnswers"/>) for whoever needs the model's own answers, e.g. the
/// reward-model audit of a PPO stage on its start checkpoint's answers; never written to a trace.
/// </summary>
/// <param name="Reading">The judge's reading, oriented to the topic's stated position like the trace's values.</param>
/// <param name="Stanced">Whether the judge placed the answer on a stance (false: no-stance label or no marker).</param>
public sealed record JudgedAnswer(ProbeQuestion Question, int Sample, string Text, StanceDistribution Reading, bool Stanced)
{
    /// <summary>
    /// The answer labelled with its most probable stance (Gold), or null when the judge placed it on no stance or its
    /// reading has no single most probable stance (the world judge's no-marker reading is uniform).
    /// </summary>
    public LabelledAnswer? Labelled()
    {
        if (!Stanced) return null;
        var best = StanceLabels.All.MaxBy(s => Reading[s]);
        if (StanceLabels.All.Count(s => Reading[s] == Reading[best]) > 1) return null;
        return new LabelledAnswer(Question.Id, Question.Topic, Question.Question, Text, best);
    }
}
