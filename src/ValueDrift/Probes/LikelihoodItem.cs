namespace ValueDrift.Probes;

/// <summary>
/// A question of a <see cref="LikelihoodProbe"/> with reference answers of each stance (at least one per stance),
/// e.g. ("immigration-01", "immigration", "Should ...?", {support: ["I support ...", ...], neutral: [...], oppose: [...]}).
/// The references' stances are relative to what the question proposes; <see cref="Polarity"/> −1 orients the reading
/// to the topic's stated position (support ↔ oppose), as for <see cref="ProbeQuestion.Polarity"/>.
/// </summary>
public sealed record LikelihoodItem(string Id, string Topic, string Question, IReadOnlyDictionary<Stance, IReadOnlyList<string>> Answers,
    int? Polarity = null);
