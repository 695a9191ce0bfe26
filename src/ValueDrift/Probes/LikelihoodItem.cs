namespace ValueDrift.Probes;

/// <summary>
/// A question of a <see cref="LikelihoodProbe"/> with reference answers of each stance (at least one per stance),
/// e.g. ("immigration-01", "immigration", "Should ...?", {support: ["I support ...", ...], neutral: [...], oppose: [...]}).
/// </summary>
public sealed record LikelihoodItem(string Id, string Topic, string Question, IReadOnlyDictionary<Stance, IReadOnlyList<string>> Answers);
