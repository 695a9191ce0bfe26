namespace ValueDrift.Probes;

/// <summary>
/// Per-question detail of a probe: the question's stance distribution (mean over its judged answers), how many
/// answers were judged, optionally each answer's distribution, and the question's polarity.
/// <para>Value and Answers are oriented to the topic's stated position (support ↔ oppose swapped for a polarity −1
/// question); <see cref="Raw"/> keeps the value as judged, relative to what the question proposes, where it differs.
/// Old traces without polarity read as polarity null (undeclared, taken as 1) with Raw equal to Value.</para>
/// JSON: <c>{"id", "support", "neutral", "oppose", "n", "polarity"?: ±1, "raw"?: [s, n, o], "label_order"?: ["oppose", ...],
/// "answers"?: [[s, n, o], ...]}</c>.
/// </summary>
public sealed record QuestionDetail(string Id, StanceDistribution Value, int N, IReadOnlyList<StanceDistribution>? Answers = null,
    int? Polarity = null, StanceDistribution? Raw = null)
{
    /// <summary>The order in which the judge's prompt listed the labels for this question, where the judge has a prompt.</summary>
    public IReadOnlyList<Stance>? LabelOrder { get; init; }

    /// <summary>How each of <see cref="Answers"/> was read by the judge ("logprobs", "text", "exact"), in the same order; null when not recorded. JSON: <c>"readouts"</c>.</summary>
    public IReadOnlyList<string>? Readouts { get; init; }

    /// <summary>
    /// Mean of the stance-taking answers' readings (oriented like <see cref="Value"/>); null when none of the
    /// question's answers took a stance, or the trace predates the field. JSON: <c>"stanced": [s, n, o]</c>.
    /// </summary>
    public StanceDistribution? Stanced { get; init; }

    /// <summary>How many of the judged answers took a stance; null in traces written before it was recorded. JSON: <c>"n_stanced"</c>.</summary>
    public int? StancedN { get; init; }

    /// <summary>
    /// Mean over the question's sampled answers of log π_θ(y|x) − log π_start(y|x) (tempered policies, nats): the
    /// question's share of <c>kl_from_start</c>; null where not measured. JSON: <c>"kl_from_start"</c>.
    /// </summary>
    public double? KlFromStart { get; init; }

    /// <summary>The value as judged, before orientation.</summary>
    public StanceDistribution RawValue => Raw ?? Value;

    /// <summary>
    /// Detail from a question's raw readings (as judged, relative to what the question proposes): Value and
    /// Answers oriented by <paramref name="polarity"/> (null is read as 1), Raw kept when orientation changed it.
    /// </summary>
    public static QuestionDetail Oriented(string id, IReadOnlyList<StanceDistribution> rawAnswers, int? polarity)
    {
        if (rawAnswers.Count == 0) throw new ArgumentException($"question '{id}' has no readings", nameof(rawAnswers));
        var raw = StanceDistribution.Mean(rawAnswers);
        var p = polarity ?? 1;
        return new QuestionDetail(id, raw.Oriented(p), rawAnswers.Count,
            p == 1 ? rawAnswers : rawAnswers.Select(a => a.Oriented(p)).ToList(), polarity, p == 1 ? null : raw);
    }

    /// <summary>Detail of a question read once, without per-answer readings (e.g. the likelihood probe), oriented by <paramref name="polarity"/>.</summary>
    public static QuestionDetail Oriented(string id, StanceDistribution raw, int n, int? polarity)
    {
        var p = polarity ?? 1;
        return new QuestionDetail(id, raw.Oriented(p), n, null, polarity, p == 1 ? null : raw);
    }
}
