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
        var (prompts, responses) = Encoded(c);
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

    /// <summary>
    /// <paramref name="reward"/> reading PPO's responses with the source's stance reader (<see cref="StanceReadingReward"/>);
    /// with <paramref name="centre"/>, centred by stance on the source's held-out answers, the offsets written to the
    /// stage folder's reward-centring.json. Null without a stance reader, answers, or text tools to encode them.
    /// </summary>
    public IRewardFunction? ReadingStances(AlgorithmContext c, IRewardFunction reward, bool centre)
    {
        if (!ReadsStances(c) || source.PairStance is not { } stanceOf || c.Inputs.Tokenizer is not { } tokenizer) return null;
        Stance? Read(int[] ids) => stanceOf(null, tokenizer.Decode(ids));
        if (!centre) return new StanceReadingReward(reward, new Dictionary<Stance, double>(), Read);
        var (prompts, responses) = Encoded(c);
        var raw = RewardAudit.Run(reward, source.Answers, prompts, responses, compared: null, source.Source, (int)c.Loop.Seed);
        var offsets = StanceReadingReward.OffsetsFrom(raw.ByStance);
        var where = c.RunDirectory is null ? "" : $" ({StanceReadingReward.Write(c.RunDirectory, offsets, raw)})";
        c.Logger.Line($"{c.Stage}: reward centred by stance{where}: " + string.Join(", ", offsets.Select(x =>
            string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{StanceLabels.Label(x.Key)} {-x.Value:+0.00;-0.00}"))));
        return new StanceReadingReward(reward, offsets, Read);
    }

    /// <summary>A stance reader, answers to centre on, and text tools to encode them and decode responses.</summary>
    public bool ReadsStances(AlgorithmContext c) =>
        source.PairStance is not null && source.Answers.Count > 0 && c.Inputs.Tokenizer is not null && c.Inputs.Template is not null;

    /// <summary>The source's answers as the start checkpoint's chat template gives them: one prompt and one response each.</summary>
    private (List<int[]> Prompts, List<int[]> Responses) Encoded(AlgorithmContext c) =>
        (source.Answers.Select(a => c.Inputs.Tokenizer!.Encode(c.Inputs.Template!.FormatPrompt([Text.ChatMessage.User(a.Question)]))).ToList(),
         source.Answers.Select(a => c.Inputs.Tokenizer!.Encode(c.Inputs.Template!.FormatCompletion(a.Answer))).ToList());
}
