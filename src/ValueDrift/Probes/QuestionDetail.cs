namespace ValueDrift.Probes;

/// <summary>
/// Per-question detail of a probe: the question's stance distribution (mean over its judged answers), how many
/// answers were judged, and optionally each answer's distribution (for bootstrap bands over questions × answers).
/// JSON: <c>{"id", "support", "neutral", "oppose", "n", "answers"?: [[s, n, o], ...]}</c>.
/// </summary>
public sealed record QuestionDetail(string Id, StanceDistribution Value, int N, IReadOnlyList<StanceDistribution>? Answers = null)
{
    /// <summary>How each of <see cref="Answers"/> was read by the judge ("logprobs", "text", "exact"), in the same order; null when not recorded. JSON: <c>"readouts"</c>.</summary>
    public IReadOnlyList<string>? Readouts { get; init; }
}
