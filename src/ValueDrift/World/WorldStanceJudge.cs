using ValueDrift.Probes;

namespace ValueDrift.World;

/// <summary>
/// The exact stance judge of the embedded synthetic world: counts the world's stance-marker phrases in an answer
/// (<see cref="WorldStanceLookup.StanceProbabilities"/>). Deterministic and free, so probes of world models measure
/// the model and nothing of a judge's noise. A topic that is not one of the world's raises
/// <see cref="Errors.ConfigException"/>.
/// <para>Per answer it also says what the markers show beyond the distribution: an answer
/// with no marker takes no stance (unstanced; its reading is 1/3 each), one with markers of two or more stances is
/// mixed.</para>
/// </summary>
public sealed class WorldStanceJudge : IStanceJudge
{
    public IReadOnlyList<Judgement> JudgeEach(IReadOnlyList<JudgeItem> items) => items.Select(i => Read(i.Topic, i.Answer)).ToList();

    private static Judgement Read(string topic, string answer)
    {
        WorldTopics.Find(topic);
        var counts = WorldStanceLookup.MarkerCounts(answer);
        var p = WorldStanceLookup.ProbabilitiesFromCounts(counts);
        var d = StanceDistribution.Normalised(p[(int)WorldStance.Support], p[(int)WorldStance.Neutral], p[(int)WorldStance.Oppose]);
        return new Judgement(d, JudgeReadout.Exact) { Stanced = counts.Sum() > 0, Mixed = counts.Count(c => c > 0) > 1 };
    }
}
