using ValueDrift.Common;
using ValueDrift.Probes;
using ValueDrift.Training.Algorithms;
using ValueDrift.Training.Objectives;

namespace ValueDrift.Experiments;

/// <summary>PPO's reward-model audit over the answers of a <see cref="RewardAuditSource"/> (<see cref="IRewardAuditor"/>).</summary>
public sealed class RewardAuditor(RewardAuditSource source) : IRewardAuditor
{
    /// <summary>
    /// The reward-model audit before PPO trains (<see cref="RewardAudit"/>): the context's held-out answers
    /// scored by stance into the stage folder's reward-audit.json, its warnings logged. The pairs' stances are read
    /// from the stage's own preference pairs when the reward model was trained on them here; a given reward model's
    /// pairs are unknown. Without text tools (token-id data) the answers cannot be encoded: no audit, said in the log.
    /// </summary>
    public void Audit(AlgorithmContext c, IRewardFunction scorer, bool trainedOnStageData)
    {
        if (c.RunDirectory is null) return;
        if (c.Inputs.Tokenizer is null || c.Inputs.Template is null)
        {
            c.Logger.Line($"{c.Stage}: no reward-model audit (the start checkpoint has no tokenizer or chat template to encode its answers)");
            return;
        }
        var answers = source.Answers;
        if (answers.Count == 0)
        {
            c.Logger.Line($"{c.Stage}: no reward-model audit (no answers of known stance in the {source.Source})");
            return;
        }
        var prompts = answers.Select(a => c.Inputs.Tokenizer.Encode(c.Inputs.Template.FormatPrompt([Text.ChatMessage.User(a.Question)]))).ToList();
        var responses = answers.Select(a => c.Inputs.Tokenizer.Encode(c.Inputs.Template.FormatCompletion(a.Answer))).ToList();
        IReadOnlyList<(Stance, Stance)>? compared = null;
        if (trainedOnStageData && source.PairStance is { } stanceOf)
        {
            var pairs = Data.DatasetReader.ReadPreferencePairs(c.DataPath, skipBadRows: true).Rows;
            if (pairs.All(p => p.Chosen is not null && p.Rejected is not null))
                compared = RewardAudit.ComparedStances(pairs.Select(p => (stanceOf(p.Topic, p.Chosen!), stanceOf(p.Topic, p.Rejected!))));
        }
        var result = RewardAudit.Run(scorer, answers, prompts, responses, compared, source.Source, (int)c.Loop.Seed);
        var path = RewardAudit.Write(c.RunDirectory, result);
        c.Logger.Line($"{c.Stage}: reward-model audit ({path}): " + string.Join(", ", result.ByStance.Select(x =>
            string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{StanceLabels.Label(x.Key)} {x.Value.Mean:0.00}"))));
        foreach (var w in result.Warnings) c.Logger.Warn($"{c.Stage}: {w}");
    }
}
