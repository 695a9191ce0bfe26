using ValueDrift.Drift;
using ValueDrift.Experiments;
using ValueDrift.Models;
using ValueDrift.Probes;
using ValueDrift.Tests.Cli;
using ValueDrift.Text;
using ValueDrift.Training;
using ValueDrift.Training.Objectives;
using Xunit;

namespace ValueDrift.Tests.Experiments;

/// <summary>
/// The real-data reward-model audit: a traced PPO stage scores its start checkpoint's judged probe answers with its
/// reward model into reward-audit.json, checked against the answers sampled, judged and scored again one by one.
/// </summary>
public class StartAnswersRewardAuditTests
{
    /// <summary>The mean score and number of answers of each stance, computed without the audit's code.</summary>
    public sealed record Expected(Dictionary<Stance, (double Mean, int Answers)> ByStance, Dictionary<string, List<StanceDistribution>> Readings);

    /// <summary>
    /// The start checkpoint's probe answers sampled again (the probe is deterministic: the same answers as its step 0),
    /// each read by a fresh local judge, labelled with its most probable stance (ties left out), and scored on its own
    /// by the reward model.
    /// </summary>
    public static Expected Independently(string startModel, string probesFile, string judgeModel, GenerationProbeOptions options, string rewardModel)
    {
        var tokenizer = TokenizerLoader.FromFolder(startModel);
        var template = ChatTemplate.ForModelFolder(startModel, tokenizer);
        var set = ProbeSet.Load(probesFile);
        using var judge = LocalModelJudge.FromFolder(judgeModel);
        var probe = new GenerationProbe(set, tokenizer, template, judge, options);
        IReadOnlyList<SampledAnswer> sampled;
        using (var model = CausalLM.FromPretrained(startModel)) sampled = probe.Sample(model);
        using var scorer = RewardModel.FromPretrained(rewardModel, requireHead: true);
        scorer.PadId = tokenizer.PadId;
        var scores = new Dictionary<Stance, List<double>>();
        var readings = new Dictionary<string, List<StanceDistribution>>();
        foreach (var a in sampled)
        {
            var reading = judge.Judge(a.Question.Topic, a.Question.Question, a.Text);
            (readings.TryGetValue(a.Question.Id, out var list) ? list : readings[a.Question.Id] = []).Add(reading);
            var ranked = StanceLabels.All.OrderByDescending(s => reading[s]).ToList();
            if (reading[ranked[0]] == reading[ranked[1]]) continue;
            var score = scorer.Score([tokenizer.Encode(template.FormatPrompt([ChatMessage.User(a.Question.Question)]))],
                [tokenizer.Encode(template.FormatCompletion(a.Text))])[0];
            (scores.TryGetValue(ranked[0], out var s) ? s : scores[ranked[0]] = []).Add(score);
        }
        return new Expected(scores.ToDictionary(x => x.Key, x => (x.Value.Average(), x.Value.Count)), readings);
    }

    /// <summary>The audit's means per stance equal the independent ones, and step 0 of the trace read the very same answers.</summary>
    public static void AssertAudit(RewardAuditResult audit, Expected expected, string tracePath, string phase)
    {
        Assert.Equal(RewardAuditSource.StartAnswersSourceName, audit.Source);
        Assert.Equal(expected.ByStance.Keys.Order(), audit.ByStance.Keys.Order());
        foreach (var (s, (mean, n)) in expected.ByStance)
        {
            Assert.Equal(mean, audit.ByStance[s].Mean, 4);
            Assert.Equal(n, audit.ByStance[s].Answers);
        }
        var step0 = TraceReader.Read(tracePath).Records.Where(r => r.Phase == phase && r.Step == 0).SelectMany(r => r.Questions!).ToList();
        Assert.Equal(expected.Readings.Keys.Order(), step0.Select(q => q.Id).Order());
        foreach (var q in step0)
            foreach (var (traced, again) in q.Answers!.Zip(expected.Readings[q.Id]))
                foreach (var s in StanceLabels.All) Assert.Equal(again[s], traced[s], 6);
    }

    [Fact]
    public void Train_ppo_with_a_trace_audits_its_reward_model_on_the_start_checkpoints_judged_probe_answers()
    {
        var model = StageFixtures.TinyQwen3WithTokenizer();
        var pairs = StageFixtures.TextPairs();
        var probes = StageFixtures.Probes();
        var rewardRun = Fixtures.TempDir("start-audit-reward");
        var r = CliRunner.Run("train", "reward", "--model", model, "--data", pairs, "--out", rewardRun, "--steps", "2", "--batch-size", "4", "--lr", "1e-3");
        Assert.True(r.Code == 0, r.Err);
        var rewardModel = TrainingCheckpoint.FolderFor(rewardRun, 2);

        var dir = Fixtures.TempDir("start-audit-ppo");
        var stage = Path.Combine(dir, "ppo-stage");
        var trace = Path.Combine(dir, "trace.jsonl");
        var p = CliRunner.Run("train", "ppo", "--model", model, "--data", pairs, "--out", stage, "--reward-model", rewardModel, "--steps", "1",
            "--batch-size", "4", "--response-length", "4", "--lr", "1e-4",
            "--probes", probes, "--judge", "local:" + model, "--trace", trace, "--probe-samples", "2", "--probe-max-new-tokens", "4");
        Assert.True(p.Code == 0, p.Err);

        var audit = RewardAudit.Read(stage);
        Assert.NotNull(audit);
        Assert.Null(audit.Compared);   // a given reward model: its pairs' stances are unknown, and the audit says so
        Assert.Contains(audit.Warnings, w => w.Contains("unknown", StringComparison.Ordinal));
        var expected = Independently(model, probes, model, new GenerationProbeOptions { Samples = 2, MaxNewTokens = 4 }, rewardModel);
        AssertAudit(audit, expected, trace, "ppo-stage");
    }
}
