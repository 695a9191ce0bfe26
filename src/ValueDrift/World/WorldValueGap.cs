namespace ValueDrift.World;

/// <summary>
/// Value gap of a preference set: the chosen answers' stance distribution minus the rejected answers', per topic
/// and overall (support, neutral, oppose). <see cref="TotalVariation"/> = ½·Σ|gap| is 0 when both sides share
/// their stances and 1 when they never do.
/// </summary>
public sealed record WorldValueGap(IReadOnlyList<double> Overall, IReadOnlyDictionary<string, double[]> PerTopic)
{
    public double TotalVariation => 0.5 * Overall.Sum(Math.Abs);

    public static double TotalVariationOf(IReadOnlyList<double> gap) => 0.5 * gap.Sum(Math.Abs);

    public static WorldValueGap Between(WorldStanceProfile chosen, WorldStanceProfile rejected)
    {
        var perTopic = new Dictionary<string, double[]>();
        foreach (var (topic, c) in chosen.PerTopic)
            if (rejected.PerTopic.TryGetValue(topic, out var r))
                perTopic[topic] = c.Zip(r, (a, b) => a - b).ToArray();
        return new WorldValueGap(chosen.Overall.Zip(rejected.Overall, (a, b) => a - b).ToArray(), perTopic);
    }
}
