namespace ValueDrift.Attribution;

/// <summary>
/// How often the top-K examples carry the stance that moved, against the base rate of that stance in the whole
/// dataset: precision = |{i ∈ top K : label_i = s}| / K, base rate = |{i : label_i = s}| / N. Examples without a
/// stance (instruction rows) never match. <see cref="Of(IReadOnlyList{int}, IReadOnlyList{ExampleLabel}, string, string)"/>
/// counts only examples of the attributed topic as matching.
/// </summary>
/// <param name="Matching">How many of the top K carry the stance (precision × K).</param>
/// <param name="Examples">How many examples the dataset has (the base rate's denominator).</param>
public sealed record TopKPrecision(int K, string Stance, double Precision, double BaseRate, int Matching, int Examples)
{
    public static TopKPrecision Of(IReadOnlyList<int> top, IReadOnlyList<string?> labels, string stance)
    {
        if (top.Count == 0) throw new ArgumentException("precision needs at least one top example", nameof(top));
        int hits = top.Count(i => labels[i] == stance);
        int all = labels.Count(l => l == stance);
        return new TopKPrecision(top.Count, stance, (double)hits / top.Count, (double)all / labels.Count, hits, labels.Count);
    }

    /// <summary>Precision of examples with the stance on the topic.</summary>
    public static TopKPrecision Of(IReadOnlyList<int> top, IReadOnlyList<ExampleLabel> labels, string topic, string stance) =>
        Of(top, labels.Select(l => l.Topic == topic ? l.Stance : null).ToList(), stance);

    /// <summary>Precision over the base rate (1 = no better than chance).</summary>
    public double Lift => BaseRate > 0 ? Precision / BaseRate : double.NaN;
}
