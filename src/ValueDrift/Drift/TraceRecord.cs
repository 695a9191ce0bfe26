using ValueDrift.Probes;

namespace ValueDrift.Drift;

/// <summary>
/// One line of <c>trace.jsonl</c>: a topic's stance distribution measured at one training step of one phase.
/// JSON: <c>{"phase", "step", "topic", "support", "neutral", "oppose", "n", "questions"?: [...]}</c>, where
/// <c>n</c> is the number of judged answers behind the distribution (questions × answers per question).
/// </summary>
public sealed record TraceRecord(string Phase, int Step, string Topic, StanceDistribution Value, int N,
    IReadOnlyList<QuestionDetail>? Questions = null)
{
    /// <summary>Answers sampled but left out because the judge gave no reading for them (JSON <c>"unjudged"</c>, absent when 0).</summary>
    public int Unjudged { get; init; }

    /// <summary>How many answers each judge readout produced, e.g. {"logprobs": 48, "text": 2} (JSON <c>"readouts"</c>); null when not recorded.</summary>
    public IReadOnlyDictionary<string, int>? Readouts { get; init; }

    /// <summary>
    /// A record whose value is the paper's average: over each question's answers, then over questions
    /// (each question weighs the same, whatever its number of answers).
    /// </summary>
    public static TraceRecord FromQuestions(string phase, int step, string topic, IReadOnlyList<QuestionDetail> questions) =>
        new(phase, step, topic, StanceDistribution.Mean(questions.Select(q => q.Value)), questions.Sum(q => q.N), questions);
}
