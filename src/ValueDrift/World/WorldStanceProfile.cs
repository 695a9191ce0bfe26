namespace ValueDrift.World;

/// <summary>
/// A dataset's measured stance profile: the mean of <see cref="WorldStanceLookup.StanceProbabilities"/> over its
/// value answers, per topic and overall (overall = mean over all value answers; topics are near-equally sized).
/// Vectors are in the order support, neutral, oppose.
/// </summary>
public sealed record WorldStanceProfile(int Rows, IReadOnlyList<double> Overall, IReadOnlyDictionary<string, double[]> PerTopic)
{
    public double this[WorldStance stance] => Overall[(int)stance];

    /// <summary>Judges each (topic, answer) with the lookup and averages; topics listed in <paramref name="topicOrder"/>.</summary>
    public static WorldStanceProfile Measure(IEnumerable<(string Topic, string Answer)> answers, IEnumerable<string> topicOrder)
    {
        var sums = new Dictionary<string, (double[] Sum, int N)>();
        var overall = new double[3];
        int rows = 0;
        foreach (var (topic, answer) in answers)
        {
            var p = WorldStanceLookup.StanceProbabilities(topic, answer);
            if (!sums.TryGetValue(topic, out var acc)) acc = (new double[3], 0);
            for (int s = 0; s < 3; s++) { acc.Sum[s] += p[s]; overall[s] += p[s]; }
            sums[topic] = (acc.Sum, acc.N + 1);
            rows++;
        }
        var perTopic = new Dictionary<string, double[]>();
        foreach (var t in topicOrder)
            if (sums.TryGetValue(t, out var acc))
                perTopic[t] = acc.Sum.Select(x => x / acc.N).ToArray();
        return new WorldStanceProfile(rows, overall.Select(x => rows == 0 ? 0 : x / rows).ToArray(), perTopic);
    }
}
