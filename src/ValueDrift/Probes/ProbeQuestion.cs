namespace ValueDrift.Probes;

/// <summary>One value-laden question of a probe set, e.g. ("immigration-01", "immigration", "Should ...?").</summary>
/// <param name="Id">Unique within its probe set.</param>
/// <param name="Topic">The topic (V-PRISM calls it the category) the question belongs to.</param>
/// <param name="Question">The prompt put to the model.</param>
/// <param name="Polarity">
/// 1: the question proposes the topic's stated position; −1: it proposes the opposite (its readings are oriented,
/// support ↔ oppose, before the topic is averaged); null: not declared, read as 1.
/// </param>
public sealed record ProbeQuestion(string Id, string Topic, string Question, int? Polarity = null)
{
    /// <summary>The file's <c>category</c> field, when it has one (metadata; the topic is taken from it when there is no <c>topic</c>).</summary>
    public string? Category { get; init; }

    /// <summary>The file's <c>tags</c>, when it has them (metadata).</summary>
    public IReadOnlyList<string>? Tags { get; init; }

    /// <summary>The polarity used for orientation: the declared one, else 1.</summary>
    public int Orientation => Polarity ?? 1;
}
