namespace ValueDrift.Probes;

/// <summary>One value-laden question of a probe set, e.g. ("immigration-01", "immigration", "Should ...?").</summary>
/// <param name="Id">Unique within its probe set.</param>
/// <param name="Topic">The topic (V-PRISM calls it the category) the question belongs to.</param>
/// <param name="Question">The prompt put to the model.</param>
public sealed record ProbeQuestion(string Id, string Topic, string Question);
