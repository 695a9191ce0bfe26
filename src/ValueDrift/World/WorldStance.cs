namespace ValueDrift.World;

/// <summary>
/// The stance an answer of the world takes toward its topic's proposition. The order (support, neutral, oppose) is
/// the order of every probability vector the world returns.
/// </summary>
public enum WorldStance
{
    Support = 0,
    Neutral = 1,
    Oppose = 2,
}
