using ValueDrift.Probes;

namespace ValueDrift.Drift;

/// <summary>
/// One line of <c>trace.jsonl</c>: a topic's stance distribution measured at one training step of one phase.
/// JSON: <c>{"phase", "step", "topic", "support", "neutral", "oppose", "n", "questions"?: [...]}</c>, where
/// <c>n</c> is the number of judged answers behind the distribution (questions × answers per question). Generation
/// probes add the answers' health (<c>"unstanced", "mixed"?, "mean_answer_tokens", "ended"</c>) and, at a stage's
/// checkpoints, the divergence from its start (<c>"kl_from_start", "kl_from_start_ci"</c>); older traces without them read.
/// </summary>
public sealed record TraceRecord(string Phase, int Step, string Topic, StanceDistribution Value, int N,
    IReadOnlyList<QuestionDetail>? Questions = null)
{
    /// <summary>Answers sampled but left out because the judge gave no reading for them (JSON <c>"unjudged"</c>, absent when 0).</summary>
    public int Unjudged { get; init; }

    /// <summary>How many answers each judge readout produced, e.g. {"logprobs": 48, "text": 2} (JSON <c>"readouts"</c>); null when not recorded.</summary>
    public IReadOnlyDictionary<string, int>? Readouts { get; init; }

    /// <summary>Answer health of the line's sampled answers (<see cref="AnswerHealth"/>); null in lines without it (likelihood probe, older traces).</summary>
    public AnswerHealth? Health { get; init; }

    /// <summary>KL(π_θ ‖ π_start) in nats per answer on the probe's sampled answers; null where not measured. JSON <c>"kl_from_start"</c>.</summary>
    public double? KlFromStart { get; init; }

    /// <summary>Percentile bootstrap interval of <see cref="KlFromStart"/> over questions; null with fewer than two. JSON <c>"kl_from_start_ci": [lo, hi]</c>.</summary>
    public Interval? KlFromStartCi { get; init; }

    /// <summary>
    /// A record whose value is the paper's average: over each question's answers, then over questions
    /// (each question weighs the same, whatever its number of answers).
    /// </summary>
    public static TraceRecord FromQuestions(string phase, int step, string topic, IReadOnlyList<QuestionDetail> questions) =>
        new(phase, step, topic, StanceDistribution.Mean(questions.Select(q => q.Value)), questions.Sum(q => q.N), questions);
}
