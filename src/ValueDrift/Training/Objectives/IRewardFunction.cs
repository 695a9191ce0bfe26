namespace ValueDrift.Training.Objectives;

/// <summary>
/// The scalar reward PPO maximises: one score per (prompt, response) token sequence. A trained
/// <see cref="RewardModel"/> is one implementation; a rule (e.g. "count a token") is another, which makes
/// the optimisation target known exactly.
/// </summary>
public interface IRewardFunction
{
    /// <summary>Scores of <paramref name="responses"/>[i] as the answer to <paramref name="prompts"/>[i]; the response
    /// includes its stop token when it has one.</summary>
    double[] Score(IReadOnlyList<int[]> prompts, IReadOnlyList<int[]> responses);
}
