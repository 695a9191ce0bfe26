using System.Text.Json;
using ValueDrift.Errors;
using ValueDrift.Experiments;
using ValueDrift.Models;
using ValueDrift.Probes;
using ValueDrift.Tests.Experiments;
using ValueDrift.Text;
using ValueDrift.Training;
using ValueDrift.Training.Algorithms;
using ValueDrift.Training.Objectives;
using ValueDrift.World;
using ValueDrift.WorldRuns;
using Xunit;

namespace ValueDrift.Tests.Training;

/// <summary>PPO's reward-model audit: mean score per stance on held-out answers, and the unconstrained-preference warning.</summary>
public class RewardAuditTests
{
    /// <summary>Two topics × two questions × three stances × two answers; answer text "{stance} {question} {k}".</summary>
    private static List<LabelledAnswer> Answers() =>
        (from topic in new[] { "t1", "t2" }
         from q in new[] { 1, 2 }
         from s in StanceLabels.All
         from k in new[] { 0, 1 }
         select new LabelledAnswer($"{topic}-{q}", topic, $"question {topic} {q}?", $"{s.Label()} {topic}-{q} {k}", s)).ToList();

    /// <summary>Scores: support 1 + 0.1·k, neutral 2 + 0.1·q, oppose 0.5 (per answer, so the means are known by hand).</summary>
    private static double Score(LabelledAnswer a)
    {
        var q = int.Parse(a.Id[^1..]);
        var k = int.Parse(a.Answer[^1..]);
        return a.Gold switch { Stance.Support => 1 + 0.1 * k, Stance.Neutral => 2 + 0.1 * q, _ => 0.5 };
    }

    [Fact, Trait("tier", "fast")]
    public void By_stance_and_by_topic_are_the_means_of_the_scores_of_each_stance()
    {
        var answers = Answers();
        var audit = RewardAudit.Summarise(answers, answers.Select(Score).ToList(), [(Stance.Support, Stance.Oppose)], "test");
        Assert.Equal(StanceLabels.All, audit.ByStance.Keys.Order());
        Assert.Equal(1.05, audit.ByStance[Stance.Support].Mean, 12);
        Assert.Equal(2.15, audit.ByStance[Stance.Neutral].Mean, 12);
        Assert.Equal(0.5, audit.ByStance[Stance.Oppose].Mean, 12);
        Assert.Equal((8, 4), (audit.ByStance[Stance.Support].Answers, audit.ByStance[Stance.Support].Questions));
        // Every question's support mean is 1.05: the interval over questions has no width.
        Assert.Equal(new ValueDrift.Drift.Interval(1.05, 1.05), audit.ByStance[Stance.Support].Interval);
        Assert.Equal(2.15, audit.ByTopic["t2"][Stance.Neutral].Mean, 12);
        Assert.Equal(2.1, audit.ByStance[Stance.Neutral].Interval!.Lower, 12);
        Assert.Equal(2.2, audit.ByStance[Stance.Neutral].Interval!.Upper, 12);
    }

    [Fact, Trait("tier", "fast")]
    public void A_preference_between_stances_the_pairs_never_compared_is_warned_about()
    {
        var answers = Answers();
        var scores = answers.Select(Score).ToList();
        // Support-aligned pairs compare support with oppose only: neutral over support (and over oppose) is unconstrained.
        var aligned = RewardAudit.Summarise(answers, scores, [(Stance.Oppose, Stance.Support)], "test");
        Assert.Equal(2, aligned.Warnings.Count);
        Assert.Contains(aligned.Warnings, w => w.StartsWith("the reward model prefers neutral over support (mean score difference 1.10", StringComparison.Ordinal));
        Assert.Contains(aligned.Warnings, w => w.StartsWith("the reward model prefers neutral over oppose", StringComparison.Ordinal));
        Assert.Equal([(Stance.Support, Stance.Oppose)], aligned.Compared);
        // Pairs that compared every stance: nothing is unconstrained.
        var all = RewardAudit.Summarise(answers, scores, [(Stance.Support, Stance.Oppose), (Stance.Neutral, Stance.Support), (Stance.Oppose, Stance.Neutral)], "test");
        Assert.Empty(all.Warnings);
        // Equal scores for every stance: no preference, no warning.
        Assert.Empty(RewardAudit.Summarise(answers, answers.Select(_ => 1.0).ToList(), [], "test").Warnings);
        // Unknown pair stances: said once, no claim about preferences.
        var unknown = Assert.Single(RewardAudit.Summarise(answers, scores, null, "test").Warnings);
        Assert.Contains("unknown", unknown);
    }

    [Fact, Trait("tier", "fast")]
    public void Compared_stances_come_from_pairs_whose_answers_both_have_a_stance()
    {
        var compared = RewardAudit.ComparedStances([(Stance.Support, Stance.Oppose), (Stance.Oppose, Stance.Support), (null, Stance.Neutral), (Stance.Neutral, Stance.Neutral)]);
        Assert.Equal([(Stance.Support, Stance.Oppose)], compared);
        // The world's source reads a generated answer's stance from its markers.
        var source = WorldRewardAudit.Source(["immigration"]);
        Assert.Equal(StanceLabels.All, source.Answers.Select(a => a.Gold).Distinct().Order());
        Assert.All(source.Answers, a => Assert.Equal(a.Gold, source.PairStance!(a.Topic, a.Answer)));
    }

    [Fact, Trait("tier", "fast")]
    public void Judged_answers_are_labelled_with_their_most_probable_stance_and_ties_are_left_out()
    {
        var q = new ProbeQuestion("q1", "t1", "Should it?");
        var source = RewardAuditSource.FromJudged([
            (q, "yes", new StanceDistribution(0.7, 0.2, 0.1)),
            (q, "hm", new StanceDistribution(0.1, 0.8, 0.1)),
            (q, "either", new StanceDistribution(0.45, 0.1, 0.45)),
        ], null);
        Assert.Equal([("yes", Stance.Support), ("hm", Stance.Neutral)], source.Answers.Select(a => (a.Answer, a.Gold)));
        Assert.Null(source.PairStance);
    }

    [Fact, Trait("tier", "fast")]
    public void The_audit_file_round_trips_with_by_stance()
    {
        var answers = Answers();
        var audit = RewardAudit.Summarise(answers, answers.Select(Score).ToList(), [(Stance.Support, Stance.Oppose)], "test");
        var dir = Fixtures.TempDir("reward-audit");
        var path = RewardAudit.Write(dir, audit);
        var json = JsonDocument.Parse(File.ReadAllText(path)).RootElement;
        Assert.Equal(["support", "neutral", "oppose"], json.GetProperty("by_stance").EnumerateObject().Select(p => p.Name));
        Assert.Equal(1.05, json.GetProperty("by_stance").GetProperty("support").GetProperty("mean").GetDouble(), 12);
        var back = RewardAudit.Read(dir)!;
        Assert.Equal(audit.Warnings, back.Warnings);
        Assert.Equal(audit.ByStance[Stance.Neutral], back.ByStance[Stance.Neutral]);
        Assert.Equal(audit.Compared, back.Compared);
        Assert.Null(RewardAudit.Read(Fixtures.TempDir("no-audit")));
        File.WriteAllText(path, "{\"source\": 1}");
        Assert.Throws<CheckpointException>(() => RewardAudit.Read(dir));
    }

    [Fact, Trait("tier", "fast")]
    public void A_reward_model_folder_without_a_value_head_is_an_error_naming_the_folder()
    {
        var dir = StageFixtures.TinyModelFolder();
        var e = Assert.Throws<CheckpointException>(() => RewardModel.FromPretrained(dir, requireHead: true));
        Assert.Contains(dir, e.Message);
        Assert.Contains("no reward head", e.Message);
    }

    [Fact]
    public void A_ppo_stage_writes_the_audit_before_training_and_its_numbers_equal_an_independent_scoring()
    {
        var model = StageFixtures.TinyModelFolder();
        var data = StageFixtures.TextPairs();   // chosen "good i", rejected "bad": support against oppose only
        var answers = Answers().Select(a => a with { Answer = a.Gold switch { Stance.Support => "good ", Stance.Oppose => "bad ", _ => "so-so " } + a.Answer }).ToList();
        static Stance? PairStance(string? topic, string text) => text.StartsWith("good", StringComparison.Ordinal) ? Stance.Support
            : text.StartsWith("bad", StringComparison.Ordinal) ? Stance.Oppose : null;
        var stage = new Stage
        {
            Name = "ppo-audit", DataPath = data,
            Algorithm = new Ppo
            {
                Options = new() { ResponseLength = 6, NumMiniBatches = 1, NumPpoEpochs = 1 },
                RewardModelSteps = 3, RewardModelLearningRate = 1e-3, RewardModelMinAccuracy = 0,
            },
            Training = new TrainerOptions { MaxSteps = 1, BatchSize = 4, LearningRate = 1e-4, Decay = LearningRateDecay.Constant, Seed = 5 },
        };
        var runner = new StageRunner { RewardAudit = new RewardAuditSource(answers, PairStance, "test answers") };
        var result = runner.Run(stage, model, Path.Combine(Fixtures.TempDir("reward-audit-run"), "ppo-audit"));

        var audit = RewardAudit.Read(result.Directory)!;
        Assert.Equal(StanceLabels.All, audit.ByStance.Keys.Order());
        Assert.Equal([(Stance.Support, Stance.Oppose)], audit.Compared);
        Assert.Equal("test answers", audit.Source);

        // Independently: the trained reward model scores each answer on its own.
        var tokenizer = TokenizerLoader.FromFolder(model);
        var template = ChatTemplate.ForModelFolder(model, tokenizer);
        using var scorer = RewardModel.FromPretrained(TrainingCheckpoint.FolderFor(Path.Combine(result.Directory, Ppo.RewardModelFolder), 3), requireHead: true);
        scorer.PadId = tokenizer.PadId;
        var scores = answers.Select(a => scorer.Score([tokenizer.Encode(template.FormatPrompt([ChatMessage.User(a.Question)]))],
            [tokenizer.Encode(template.FormatCompletion(a.Answer))])[0]).ToList();
        foreach (var s in StanceLabels.All)
        {
            Assert.Equal(answers.Select((a, i) => (a, i)).Where(x => x.a.Gold == s).Average(x => scores[x.i]), audit.ByStance[s].Mean, 4);
            Assert.Equal(answers.Select((a, i) => (a, i)).Where(x => x.a.Gold == s && x.a.Topic == "t2").Average(x => scores[x.i]), audit.ByTopic["t2"][s].Mean, 4);
        }
    }
}
