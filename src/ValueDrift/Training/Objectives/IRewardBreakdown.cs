namespace ValueDrift.Training.Objectives;

/// <summary>
/// A reward function that also says how its last scores split (the world's PPO stages: mean score and share per
/// stance of a rollout's responses), so PPO's metrics show what its reward paid for, rollout by rollout.
/// </summary>
public interface IRewardBreakdown
{
    /// <summary>Metrics of the last <see cref="IRewardFunction.Score"/> call (name → finite value), added to the step's metrics.</summary>
    IReadOnlyDictionary<string, double> LastBreakdown { get; }
}
