using System.Text.Json;
using ValueDrift.Tests.Cli;
using ValueDrift.Errors;
using ValueDrift.Experiments;
using ValueDrift.Probes;
using ValueDrift.Tests.Experiments;
using ValueDrift.Training;
using ValueDrift.Training.Algorithms;
using ValueDrift.Training.Objectives;
using Xunit;

namespace ValueDrift.Tests.Training;

/// <summary>PPO against a reward with its preference between stances removed (<c>ppo.centre_reward_by_stance</c>).</summary>
public class RewardCentringTests
{
    /// <summary>Scores a response by its first token: the score table's entry.</summary>
    private sealed class TableReward(IReadOnlyList<double> table) : IRewardFunction
    {
        public double[] Score(IReadOnlyList<int[]> prompts, IReadOnlyList<int[]> responses) => responses.Select(r => table[r[0]]).ToArray();
    }

    private static RewardStanceMean Mean(double m) => new(m, null, 1, 1);

    [Fact, Trait("tier", "fast")]
    public void Each_stance_moves_to_the_mean_of_the_stances_means_and_no_stance_keeps_its_score()
    {
        // Held-out means support 1.05, neutral 2.15, oppose 0.5 (mean of means 1.2333…).
        var offsets = StanceReadingReward.OffsetsFrom(new Dictionary<Stance, RewardStanceMean>
            { [Stance.Support] = Mean(1.05), [Stance.Neutral] = Mean(2.15), [Stance.Oppose] = Mean(0.5) });
        Assert.Equal(1.05 - 3.7 / 3, offsets[Stance.Support], 12);
        Assert.Equal(2.15 - 3.7 / 3, offsets[Stance.Neutral], 12);
        Assert.Equal(0.5 - 3.7 / 3, offsets[Stance.Oppose], 12);
        Assert.Equal(0, offsets.Values.Sum(), 12);

        // Responses: token 0 → support scored 1.0, 1 → support 1.1, 2 → neutral 2.15, 3 → oppose 0.5, 4 → no stance 7.
        Stance?[] stanceOf = [Stance.Support, Stance.Support, Stance.Neutral, Stance.Oppose, null];
        var reward = new StanceReadingReward(new TableReward([1.0, 1.1, 2.15, 0.5, 7.0]), offsets, r => stanceOf[r[0]]);
        int[][] responses = [[0], [1], [2], [3], [4]];
        var scores = reward.Score(responses.Select(_ => new[] { 9 }).ToList(), responses);
        Assert.Equal(3.7 / 3, (scores[0] + scores[1]) / 2, 12);   // support's mean, 1.05, moved to 1.2333…
        Assert.Equal(3.7 / 3, scores[2], 12);
        Assert.Equal(3.7 / 3, scores[3], 12);
        Assert.Equal(7.0, scores[4]);                              // no stance: unchanged
        Assert.Equal(0.1, scores[1] - scores[0], 12);              // the preference within a stance stays
        // The rollout's breakdown: share and mean score (before any offset) per stance, "none" for no stance.
        var b = reward.LastBreakdown;
        Assert.Equal(new[] { "rollout/score_neutral", "rollout/score_none", "rollout/score_oppose", "rollout/score_support",
            "rollout/share_neutral", "rollout/share_none", "rollout/share_oppose", "rollout/share_support" }, b.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(1.05, b["rollout/score_support"], 12);
        Assert.Equal(0.4, b["rollout/share_support"], 12);
        Assert.Equal(7.0, b["rollout/score_none"], 12);
        Assert.Equal(0.2, b["rollout/share_none"], 12);
        // Without offsets the scores pass through and the breakdown is the same.
        var reading = new StanceReadingReward(new TableReward([1.0, 1.1, 2.15, 0.5, 7.0]), new Dictionary<Stance, double>(), r => stanceOf[r[0]]);
        Assert.Equal([1.0, 1.1, 2.15, 0.5, 7.0], reading.Score(responses.Select(_ => new[] { 9 }).ToList(), responses));
        Assert.Equal(b, reading.LastBreakdown);

        Assert.Throws<ArgumentException>(() => StanceReadingReward.OffsetsFrom(new Dictionary<Stance, RewardStanceMean>()));
    }

    [Fact]
    public void Ppo_trains_against_the_centred_reward_and_records_its_offsets()
    {
        var model = StageFixtures.TinyModelFolder();
        var data = StageFixtures.TextPairs();
        // Held-out answers of every stance; every response PPO samples is read as support.
        var answers = (from q in new[] { 1, 2 }
                       from s in StanceLabels.All
                       select new LabelledAnswer($"q{q}", "t1", $"question {q}?", $"{s.Label()} answer {q}", s)).ToList();
        var source = new RewardAuditSource(answers, (_, _) => Stance.Support, "test answers");
        Stage StageWith(bool centre) => new()
        {
            Name = centre ? "ppo-centred" : "ppo-raw", DataPath = data,
            Algorithm = new Ppo
            {
                Options = new() { ResponseLength = 6, NumMiniBatches = 1, NumPpoEpochs = 1 },
                RewardModelSteps = 3, RewardModelLearningRate = 1e-3, RewardModelMinAccuracy = 0, CentreRewardByStance = centre,
            },
            Training = new TrainerOptions { MaxSteps = 1, BatchSize = 4, LearningRate = 1e-4, Decay = LearningRateDecay.Constant, Seed = 5 },
        };
        var root = Fixtures.TempDir("reward-centring");
        var runner = new StageRunner { RewardAudit = source };
        var raw = runner.Run(StageWith(false), model, Path.Combine(root, "ppo-raw"));
        var centred = runner.Run(StageWith(true), model, Path.Combine(root, "ppo-centred"));

        Assert.False(File.Exists(Path.Combine(raw.Directory, StanceReadingReward.FileName)));
        // The offsets are the audit's means less their mean (read from the audit the stage also wrote).
        var audit = RewardAudit.Read(centred.Directory)!;
        var centre = audit.ByStance.Values.Average(m => m.Mean);
        var file = JsonDocument.Parse(File.ReadAllText(Path.Combine(centred.Directory, StanceReadingReward.FileName))).RootElement;
        foreach (var s in StanceLabels.All)
            Assert.Equal(audit.ByStance[s].Mean - centre, file.GetProperty("offsets").GetProperty(s.Label()).GetDouble(), 6);
        // Same seed, same reward model, same rollout: every response taken as support, its score lowered by support's offset.
        var offset = file.GetProperty("offsets").GetProperty("support").GetDouble();
        Assert.NotEqual(0, offset);
        Assert.Equal(raw.Metrics[0].Metrics["objective/scores"] - offset, centred.Metrics[0].Metrics["objective/scores"], 4);
        Assert.NotEqual(raw.Stage.Algorithm.Describe().ToJsonString(), centred.Stage.Algorithm.Describe().ToJsonString());   // part of the stage's definition
        // Both stages' metrics split the rollout by stance; the score there is the reward model's, before any offset.
        Assert.Equal(1.0, raw.Metrics[0].Metrics["rollout/share_support"]);
        Assert.Equal(raw.Metrics[0].Metrics["objective/scores"], raw.Metrics[0].Metrics["rollout/score_support"], 4);
        Assert.Equal(raw.Metrics[0].Metrics["objective/scores"], centred.Metrics[0].Metrics["rollout/score_support"], 4);

        // Without a reader of responses' stances the stage stops with the setting's name, before PPO trains.
        var noReader = new StageRunner { RewardAudit = source with { PairStance = null } };
        var e = Assert.Throws<ConfigException>(() => { noReader.Run(StageWith(true) with { Name = "ppo-no-reader" }, model, Path.Combine(root, "ppo-no-reader")); });
        Assert.Contains("centre_reward_by_stance", e.Message);
        Assert.False(Directory.Exists(Path.Combine(root, "ppo-no-reader", Ppo.RewardModelFolder)));   // refused before the reward model trains
    }
    /// <summary>The tiny world with PPO on the standard set (a 4-step reward model, 12-token responses, one PPO epoch).</summary>
    private static readonly string TinyPpoWorldRecipe = TinyWorldRecipe.With("""
        [ { "name": "ppo", "reward_model_steps": 4, "reward_model_batch_size": 4, "reward_model_min_accuracy": 0,
            "options": { "response_length": 12, "num_ppo_epochs": 1 } } ]
        """, likelihoodProbe: false);

    [Fact]
    public void A_sweep_audits_each_ppo_variants_reward_model_and_centres_it_where_asked()
    {
        var dir = Fixtures.TempDir("reward-centring-sweep");
        var recipe = Path.Combine(dir, "ppo.jsonc");
        File.WriteAllText(recipe, TinyPpoWorldRecipe);
        var sweepDir = Path.Combine(dir, "sweep");
        var (code, stdout, stderr) = CliRunner.Run("sweep", "--recipe", recipe, "--grid", "ppo.centre_reward_by_stance=false,true", "--out", sweepDir,
            "--workers", "1", "--cache", Path.Combine(dir, "cache"));
        Assert.True(code == 0, stdout + stderr);
        string Stage(string variant) => Path.Combine(sweepDir, SweepRunner.PointsFolder, variant, "stages", variant);
        var (raw, centred) = (Stage("ppo-standard@centre_reward_by_stance=false#s1"), Stage("ppo-standard@centre_reward_by_stance=true#s1"));
        // Every variant's reward model is audited on the world's held-out answers, as reproduce audits it.
        Assert.Equal(ValueDrift.WorldRuns.WorldRewardAudit.SourceName, RewardAudit.Read(raw)!.Source);
        Assert.Equal(ValueDrift.WorldRuns.WorldRewardAudit.SourceName, RewardAudit.Read(centred)!.Source);
        Assert.False(File.Exists(Path.Combine(raw, StanceReadingReward.FileName)));
        var offsets = JsonDocument.Parse(File.ReadAllText(Path.Combine(centred, StanceReadingReward.FileName))).RootElement.GetProperty("offsets");
        Assert.Equal(0, StanceLabels.All.Sum(s => offsets.GetProperty(s.Label()).GetDouble()), 9);
    }
}
