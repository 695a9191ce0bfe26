using ValueDrift.Training.Objectives;

namespace ValueDrift.Training.Algorithms;

/// <summary>
/// Looks at a PPO stage's reward model before PPO trains (<c>Experiments.RewardAuditor</c> writes reward-audit.json):
/// defined here so the training layer can call it without knowing about probes or stances.
/// </summary>
public interface IRewardAuditor
{
    /// <param name="c">The stage's context (its folder, data file, text tools and logger).</param>
    /// <param name="reward">The reward model PPO will train against.</param>
    /// <param name="trainedOnStageData">True when the reward model was trained here on the stage's own pairs (so their stances say what it compared).</param>
    void Audit(AlgorithmContext c, IRewardFunction reward, bool trainedOnStageData);

    /// <summary>
    /// <paramref name="reward"/> reading the stance of each response PPO scores, so the step's metrics give each
    /// rollout's mean score and share per stance; with <paramref name="centre"/>, also with its preference between
    /// stances removed (<see cref="Ppo.CentreRewardByStance"/>): each response's score less its stance's offset, so that
    /// the held-out answers of every stance score the same on average. Null when this auditor cannot read the stance of
    /// PPO's responses.
    /// </summary>
    IRewardFunction? ReadingStances(AlgorithmContext c, IRewardFunction reward, bool centre);

    /// <summary>Whether <see cref="ReadingStances"/> can read PPO's responses in this context: asked before any work, so a stage that needs it fails first.</summary>
    bool ReadsStances(AlgorithmContext c);
}
