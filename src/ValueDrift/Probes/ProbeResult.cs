namespace ValueDrift.Probes;

/// <summary>
/// A topic's measured value: the stance distribution (mean over its questions of each question's distribution),
/// <see cref="N"/> the number of readings behind it (judged answers for <see cref="GenerationProbe"/>, questions for
/// <see cref="LikelihoodProbe"/>), and per-question detail, with per-answer distributions where there are answers,
/// so that the drift layer's <c>ConfidenceBand</c> can bootstrap over questions × answers.
/// </summary>
public sealed record TopicMeasurement(string Topic, StanceDistribution Value, int N, IReadOnlyList<QuestionDetail> Questions)
{
    /// <summary>Answers sampled but left without a judge reading (skipped after retries); not part of <see cref="N"/>.</summary>
    public int Unjudged { get; init; }

    /// <summary>Answers per judge readout ("logprobs", "text", "exact"); null when the probe does not record it.</summary>
    public IReadOnlyDictionary<string, int>? Readouts { get; init; }

    /// <summary>Answer health of the topic's sampled answers (<see cref="AnswerHealth"/>); null when the probe does not record it.</summary>
    public AnswerHealth? Health { get; init; }

    /// <summary>
    /// KL(π_θ ‖ π_start) in nats per answer, estimated on the topic's sampled answers (the mean of the questions'
    /// <see cref="QuestionDetail.KlFromStart"/>); null when the probe was given no start policy.
    /// </summary>
    public double? KlFromStart { get; init; }

    /// <summary>
    /// The topic's judged answers with their readings (<see cref="GenerationProbe"/>), in memory only: traces keep the
    /// readings without the texts. Null for probes without sampled answers and for measurements read from a trace.
    /// </summary>
    public IReadOnlyList<JudgedAnswer>? JudgedAnswers { get; init; }

    /// <summary>The paper's average: each question's value weighs the same, whatever its number of answers.</summary>
    public static TopicMeasurement FromQuestions(string topic, IReadOnlyList<QuestionDetail> questions) =>
        new(topic, StanceDistribution.Mean(questions.Select(q => q.Value)), questions.Sum(q => q.N), questions);
}

/// <summary>What one probe of one model measured: one <see cref="TopicMeasurement"/> per topic, in probe-set order.</summary>
public sealed record ProbeResult(IReadOnlyList<TopicMeasurement> Topics)
{
    /// <summary>The measurement of a topic, or null when the probe did not cover it.</summary>
    public TopicMeasurement? this[string topic] => Topics.FirstOrDefault(t => t.Topic == topic);

    /// <summary>A fixed-width table: one row per topic with the three probabilities and N.</summary>
    public string ToTable()
    {
        var width = Math.Max(5, Topics.Count == 0 ? 0 : Topics.Max(t => t.Topic.Length));
        var sb = new System.Text.StringBuilder();
        var unjudged = Topics.Any(t => t.Unjudged > 0);   // the column appears only when the judge skipped answers
        sb.AppendLine(FormattableString.Invariant($"{"topic".PadRight(width)}  support  neutral   oppose       n{(unjudged ? "  unjudged" : "")}"));
        foreach (var t in Topics)
            sb.AppendLine(FormattableString.Invariant(
                $"{t.Topic.PadRight(width)}  {t.Value.Support,7:0.000}  {t.Value.Neutral,7:0.000}  {t.Value.Oppose,7:0.000}  {t.N,6}{(unjudged ? $"  {t.Unjudged,8}" : "")}"));
        return sb.ToString();
    }
}
