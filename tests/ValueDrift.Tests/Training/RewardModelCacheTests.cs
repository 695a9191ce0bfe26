using ValueDrift.Experiments;
using ValueDrift.Tests.Experiments;
using ValueDrift.Training;
using ValueDrift.Training.Algorithms;
using Xunit;

namespace ValueDrift.Tests.Training;

/// <summary>PPO's reward model trained once per content hash: a second stage that needs the same one loads it.</summary>
public class RewardModelCacheTests
{
    private static Stage PpoStage(string name, string data, string? cache, double kl = 0.05, int rewardSteps = 3) => new()
    {
        Name = name, DataPath = data,
        Algorithm = new Ppo
        {
            Options = new() { ResponseLength = 6, KlCoef = kl, NumMiniBatches = 1, NumPpoEpochs = 1 },
            RewardModelSteps = rewardSteps, RewardModelLearningRate = 1e-3, RewardModelMinAccuracy = 0, RewardModelCache = cache,
        },
        Training = new TrainerOptions { MaxSteps = 1, BatchSize = 4, LearningRate = 1e-4, Decay = LearningRateDecay.Constant, Seed = 5 },
    };

    private static string RewardRun(StageResult r) => Path.Combine(r.Directory, Ppo.RewardModelFolder);

    [Fact]
    public void A_second_ppo_stage_with_the_same_reward_inputs_reuses_the_cached_reward_model()
    {
        var model = StageFixtures.TinyModelFolder();
        var data = StageFixtures.TextPairs();
        var cache = Fixtures.TempDir("reward-cache");
        var runs = Fixtures.TempDir("reward-cache-runs");
        var runner = new StageRunner();

        var first = runner.Run(PpoStage("ppo-a", data, cache), model, Path.Combine(runs, "ppo-a"));
        var entries = Directory.GetDirectories(cache);
        var entry = Assert.Single(entries);
        // Trained in the first stage's folder, then stored: weights and the held-out accuracy, no optimizer state.
        Assert.True(Directory.Exists(TrainingCheckpoint.FolderFor(RewardRun(first), 3)));
        Assert.True(File.Exists(Path.Combine(entry, Ppo.HeldOutAccuracyFile)));
        Assert.False(File.Exists(Path.Combine(entry, TrainingCheckpoint.OptimizerFile)));
        var written = Directory.GetFiles(entry).ToDictionary(f => f, File.GetLastWriteTimeUtc);

        // Another KL coefficient: the PPO stage differs, its reward model does not.
        var second = runner.Run(PpoStage("ppo-b", data, cache, kl: 0.2), model, Path.Combine(runs, "ppo-b"));
        Assert.False(second.AlreadyComplete);
        Assert.Single(Directory.GetDirectories(cache));
        Assert.Equal(written, Directory.GetFiles(entry).ToDictionary(f => f, File.GetLastWriteTimeUtc));
        Assert.False(Directory.Exists(Path.Combine(RewardRun(second), "checkpoints")));    // nothing trained
        Assert.Equal(Ppo.HeldOutAccuracy(first.Directory), Ppo.HeldOutAccuracy(second.Directory));

        // Another reward-model length is another reward model.
        runner.Run(PpoStage("ppo-c", data, cache, rewardSteps: 4), model, Path.Combine(runs, "ppo-c"));
        Assert.Equal(2, Directory.GetDirectories(cache).Length);
    }

    [Fact]
    public void A_plans_ppo_stages_share_one_reward_model_through_the_run_folder()
    {
        // The demo's KL sweep: PPO stages from the same checkpoint on the same data, other KL coefficients.
        var model = StageFixtures.TinyModelFolder();
        var data = StageFixtures.TextPairs();
        var run = new RunDirectory(Fixtures.TempDir("plan-reward-cache"));
        var plan = new StagePlan(model, [new PlannedStage(PpoStage("ppo-a", data, cache: null), null), new PlannedStage(PpoStage("ppo-b", data, cache: null, kl: 0.2), null)]);

        var results = plan.Run(run, []);

        Assert.Single(Directory.GetDirectories(run.RewardModelCacheDirectory));
        Assert.Empty(Directory.GetFiles(run.RewardModelCacheDirectory));
        Assert.True(Directory.Exists(TrainingCheckpoint.FolderFor(RewardRun(results[0]), 3)));
        Assert.False(Directory.Exists(Path.Combine(RewardRun(results[1]), "checkpoints")));    // loaded, not trained again
        Assert.Equal(Ppo.HeldOutAccuracy(results[0].Directory), Ppo.HeldOutAccuracy(results[1].Directory));

        // A lone PPO stage keeps its reward model in its own folder only: no second copy.
        var alone = new RunDirectory(Fixtures.TempDir("plan-reward-alone"));
        new StagePlan(model, [new PlannedStage(PpoStage("ppo-a", data, cache: null), null)]).Run(alone, []);
        Assert.False(Directory.Exists(alone.RewardModelCacheDirectory));
    }

    [Fact]
    [Trait("tier", "fast")]
    public void The_key_follows_the_start_checkpoint_the_data_and_the_reward_settings()
    {
        var model = StageFixtures.TinyModelFolder();
        var other = StageFixtures.TinyModelFolder();
        using (var m = ValueDrift.Models.CausalLM.Create(TrainingData.TinyConfig(new ValueDrift.Text.ByteTokenizer().VocabSize), seed: 9)) m.SavePretrained(other);
        var data = StageFixtures.TextPairs();
        var moreData = StageFixtures.Write("more.jsonl", File.ReadAllLines(data).Append("{\"prompt\": \"x\", \"chosen\": \"y\", \"rejected\": \"z\"}").ToArray());
        var ppo = new Ppo();
        var loop = new TrainerOptions { MaxSteps = 10, Seed = 1 };
        var policy = new PolicyOptions();
        var key = RewardModelCache.Key(model, data, ppo, loop, policy, 256);
        Assert.Equal(key, RewardModelCache.Key(model, data, ppo with { Options = ppo.Options with { KlCoef = 0.3 } }, loop, policy, 256));
        Assert.NotEqual(key, RewardModelCache.Key(other, data, ppo, loop, policy, 256));
        Assert.NotEqual(key, RewardModelCache.Key(model, moreData, ppo, loop, policy, 256));
        Assert.NotEqual(key, RewardModelCache.Key(model, data, ppo, loop with { Seed = 2 }, policy, 256));
        Assert.NotEqual(key, RewardModelCache.Key(model, data, ppo with { RewardModelHoldout = 0.2 }, loop, policy, 256));
        Assert.NotEqual(key, RewardModelCache.Key(model, data, ppo, loop, policy, 128));
    }

    [Fact]
    [Trait("tier", "fast")]
    public void The_cache_folder_is_not_part_of_the_stage_definition()
    {
        Assert.Equal(new Ppo().Describe().ToJsonString(), new Ppo { RewardModelCache = "/somewhere" }.Describe().ToJsonString());
    }
}
