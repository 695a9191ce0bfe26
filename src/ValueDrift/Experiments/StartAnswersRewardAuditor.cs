using ValueDrift.Probes;
using ValueDrift.Training.Algorithms;
using ValueDrift.Training.Objectives;

namespace ValueDrift.Experiments;

/// <summary>
/// The real-data reward-model audit: PPO's reward model scores the start checkpoint's judged probe answers
/// (<see cref="RewardAuditSource.FromJudged(IEnumerable{JudgedAnswer}, Func{string?, string, Stance?}?, string)"/>),
/// the very answers the generation probe sampled and judged for the stage's step 0. PPO builds its reward model before
/// the trainer starts, and step 0 is probed as it starts, so the audit PPO asks for (<see cref="Audit"/>) waits here
/// until <see cref="Complete"/> hands it the answers — still before PPO's first update. The stances of real pairs'
/// answers are not known, so the audit says it cannot tell which stance preferences its pairs constrained.
/// </summary>
public sealed class StartAnswersRewardAuditor : IRewardAuditor
{
    private Action<RewardAuditSource>? _pending;

    /// <summary>Whether PPO asked for an audit that has not run yet.</summary>
    public bool Pending => _pending is not null;

    public void Audit(AlgorithmContext c, IRewardFunction reward, bool trainedOnStageData) =>
        _pending = source => new RewardAuditor(source).Audit(c, reward, trainedOnStageData);

    /// <summary>None: a real model's responses have no stance reader at training time (the judge reads them only at probes).</summary>
    public IRewardFunction? ReadingStances(AlgorithmContext c, IRewardFunction reward, bool centre) => null;

    public bool ReadsStances(AlgorithmContext c) => false;

    /// <summary>Runs the audit PPO asked for on <paramref name="answers"/> (the start checkpoint's judged probe answers); nothing when none was asked.</summary>
    public void Complete(IEnumerable<JudgedAnswer> answers)
    {
        var audit = _pending;
        _pending = null;
        audit?.Invoke(RewardAuditSource.FromJudged(answers, pairStance: null));
    }

    /// <summary>Drops the audit PPO asked for (the stage resumed past its start, whose answers this run did not see).</summary>
    public void Cancel() => _pending = null;
}
