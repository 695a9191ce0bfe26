using System.Text.Json;
using ValueDrift.Drift;
using ValueDrift.Errors;
using ValueDrift.Experiments;
using ValueDrift.Probes;
using ValueDrift.Text;
using ValueDrift.Training;
using ValueDrift.Training.Algorithms;
using ValueDrift.World;
using Xunit;

namespace ValueDrift.Tests.Experiments;

/// <summary>The one road to a trained stage: stage.json, reuse only when it matches, resume, refusal of invalid options.</summary>
public class StageRunnerTests
{
    private static Stage DpoStage(string data, int steps = 4, double beta = 0.1) => new()
    {
        Name = "dpo-test", Algorithm = new Dpo { Beta = beta }, DataPath = data,
        Training = new TrainerOptions { MaxSteps = steps, BatchSize = 4, LearningRate = 1e-3, Decay = LearningRateDecay.Constant, Seed = 3 },
    };

    private static double[] Losses(string stageDir) =>
        File.ReadAllLines(Path.Combine(stageDir, "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("loss").GetDouble()).ToArray();

    [Fact]
    public void AFinishedStageIsReusedOnlyWhenItsStageJsonMatches()
    {
        var model = StageFixtures.TinyModelFolder();
        var data = StageFixtures.TextPairs();
        var dir = Path.Combine(Fixtures.TempDir("runner-reuse"), "dpo-test");
        var runner = new StageRunner();

        var first = runner.Run(DpoStage(data), model, dir);
        Assert.False(first.AlreadyComplete);
        Assert.Equal(4, Losses(dir).Length);
        using (var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, StageManifest.FileName))))
        {
            var definition = manifest.RootElement.GetProperty("definition");
            Assert.Equal("dpo", definition.GetProperty("algorithm").GetProperty("name").GetString());
            Assert.Equal(0.1, definition.GetProperty("algorithm").GetProperty("beta").GetDouble());
            Assert.Equal(64, definition.GetProperty("data_sha256").GetString()!.Length);
            Assert.True(definition.GetProperty("models").TryGetProperty("start", out _));
            // what the stage is, not what is derived from it
            var policy = definition.GetProperty("policy");
            Assert.True(policy.TryGetProperty("precision", out _));
            Assert.False(policy.TryGetProperty("compute_d_type", out _));
            Assert.False(policy.TryGetProperty("save_scalar_type", out _));
        }

        var again = runner.Run(DpoStage(data), model, dir);
        Assert.True(again.AlreadyComplete);
        Assert.Equal(first.FinalCheckpoint, again.FinalCheckpoint);
        Assert.Equal(4, Losses(dir).Length);                      // nothing trained twice

        // A new β is a different stage: refused, naming what changed, and the folder is untouched.
        var e = Assert.Throws<ConfigException>(() => runner.Run(DpoStage(data, beta: 0.5), model, dir));
        Assert.Contains("algorithm.beta: 0.1 → 0.5", e.Message);
        Assert.Equal(4, Losses(dir).Length);

        // So is other data with the same name.
        var other = StageFixtures.Write("pairs.jsonl", File.ReadAllLines(data).Reverse().ToArray());
        var e2 = Assert.Throws<ConfigException>(() => runner.Run(DpoStage(other), model, dir));
        Assert.Contains("data_sha256", e2.Message);

        // With NewFolder the changed stage runs beside the old one, under a new phase name.
        var beside = new StageRunner { OnChange = StageChangePolicy.NewFolder }.Run(DpoStage(data, beta: 0.5), model, dir);
        Assert.Equal("dpo-test.2", beside.Stage.Name);
        Assert.Equal(dir + ".2", beside.Directory);
        Assert.Equal(4, Losses(dir + ".2").Length);
        Assert.NotEqual(Losses(dir), Losses(dir + ".2"));
    }

    [Fact]
    public void AnInterruptedStageResumesToTheUninterruptedResult()
    {
        var model = StageFixtures.TinyModelFolder();
        var data = StageFixtures.TextPairs();
        var straightDir = Path.Combine(Fixtures.TempDir("runner-straight"), "dpo-test");
        new StageRunner().Run(DpoStage(data) with { Training = DpoStage(data).Training with { CheckpointEvery = 1 } }, model, straightDir);

        var splitDir = Path.Combine(Fixtures.TempDir("runner-split"), "dpo-test");
        using var stop = new CancellationTokenSource();
        var runner = new StageRunner { Progress = new Stop(p => { if (p.Step == 2) stop.Cancel(); }) };
        var stage = DpoStage(data) with { Training = DpoStage(data).Training with { CheckpointEvery = 1 } };
        runner.Run(stage, model, splitDir, stop.Token);
        Assert.Equal(2, Losses(splitDir).Length);

        var resumed = new StageRunner().Run(stage, model, splitDir);
        Assert.False(resumed.AlreadyComplete);
        Assert.Equal(2, resumed.Metrics.Count);                   // steps 3 and 4 only
        Assert.Equal(Losses(straightDir), Losses(splitDir));
        Assert.Equal(File.ReadAllBytes(Path.Combine(TrainingCheckpoint.FolderFor(straightDir, 4), "model.safetensors")),
            File.ReadAllBytes(Path.Combine(TrainingCheckpoint.FolderFor(splitDir, 4), "model.safetensors")));
    }

    [Fact]
    public void InvalidOptionsAreRefusedBeforeAnyWorkNamingTheOption()
    {
        var model = StageFixtures.TinyModelFolder();
        var data = StageFixtures.TextPairs();
        var root = Fixtures.TempDir("runner-invalid");
        void Refused(Algorithm algorithm, string option)
        {
            var dir = Path.Combine(root, option);
            var e = Assert.Throws<ConfigException>(() => new StageRunner().Run(DpoStage(data) with { Algorithm = algorithm }, model, dir));
            Assert.Contains(option, e.Message);
            Assert.False(Directory.Exists(dir), "nothing written for a refused stage");
        }
        Refused(new Dpo { Beta = 0 }, "dpo.beta");
        Refused(new Dpo { Beta = -1 }, "dpo.beta");
        Refused(new SimPo { GammaBetaRatio = -0.5 }, "simpo.gamma_beta_ratio");
        Refused(new SimPo { Beta = 0 }, "simpo.beta");
        Refused(new Ppo { Options = new() { KlCoef = -0.1 } }, "ppo.options");
        Refused(new Ppo { Options = new() { NumMiniBatches = 8 } }, "ppo.options.num_mini_batches");
    }

    [Fact]
    public void AFolderWithCheckpointsButNoStageJsonIsNotReused()
    {
        var model = StageFixtures.TinyModelFolder();
        var data = StageFixtures.TextPairs();
        var dir = Path.Combine(Fixtures.TempDir("runner-legacy"), "dpo-test");
        new StageRunner().Run(DpoStage(data), model, dir);
        File.Delete(Path.Combine(dir, StageManifest.FileName));
        var e = Assert.Throws<ConfigException>(() => new StageRunner().Run(DpoStage(data), model, dir));
        Assert.Contains(StageManifest.FileName, e.Message);
    }

    [Fact]
    public void EveryAlgorithmDescribesItsDefaultsOnce()
    {
        // The defaults stage.json records are the published ones (TRL; the SimPO authors' Llama-3-Base recipe).
        Assert.Equal("{\"name\":\"dpo\",\"beta\":0.1,\"reference\":null}", new Dpo().Describe().ToJsonString());
        Assert.Equal("{\"name\":\"simpo\",\"beta\":2,\"gamma_beta_ratio\":0.5,\"gamma\":null,\"effective_gamma\":1}", new SimPo().Describe().ToJsonString());
        var ppo = new Ppo().Describe();
        Assert.Equal(0.05, ppo["options"]!["kl_coef"]!.GetValue<double>());
        Assert.Equal(53, ppo["options"]!["response_length"]!.GetValue<int>());
        Assert.Equal(4, ppo["options"]!["num_ppo_epochs"]!.GetValue<int>());
    }

    /// <summary>Synchronous progress (System.Progress would post to the thread pool).</summary>
    private sealed class Stop(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
