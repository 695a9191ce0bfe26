using ValueDrift.Probes;

namespace ValueDrift.World;

/// <summary>
/// The exact stance judge of the embedded synthetic world: counts the world's stance-marker phrases in an answer
/// (<see cref="WorldStanceLookup.StanceProbabilities"/>). Deterministic and free, so probes of world models measure
/// the model and nothing of a judge's noise. A topic that is not one of the world's raises
/// <see cref="Errors.ConfigException"/>.
/// </summary>
public sealed class WorldStanceJudge : IStanceJudge
{
    /// <summary>The world knows each answer's stance: an exact lookup, not a model's reading.</summary>
    public JudgeReadout Readout => JudgeReadout.Exact;

    public StanceDistribution Judge(string topic, string question, string answer)
    {
        var p = WorldStanceLookup.StanceProbabilities(topic, answer);
        return StanceDistribution.Normalised(p[(int)WorldStance.Support], p[(int)WorldStance.Neutral], p[(int)WorldStance.Oppose]);
    }
}
