using System.Text.Json;
using ValueDrift.Errors;
using ValueDrift.Experiments;
using ValueDrift.Models;
using ValueDrift.Tests.Cli;
using ValueDrift.Training;
using ValueDrift.Training.Algorithms;
using Xunit;
using static TorchSharp.torch;

namespace ValueDrift.Tests.Experiments;

/// <summary>A stage's policy options through the one road: LoRA stages write PEFT adapters, bf16 and checkpointed runs reproduce the fp32 run, resume stays exact, the plan refuses what cannot fit.</summary>
public class PolicyStageTests
{
    private static Stage Dpo(string data, PolicyOptions policy, int steps = 4, int checkpointEvery = 0) => new()
    {
        Name = "stage", Algorithm = new Dpo(), DataPath = data, Policy = policy,
        Training = new TrainerOptions { MaxSteps = steps, BatchSize = 4, LearningRate = 5e-3, Decay = LearningRateDecay.Constant, Seed = 4, CheckpointEvery = checkpointEvery },
    };

    private static double[] Losses(string dir) =>
        File.ReadAllLines(Path.Combine(dir, "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("loss").GetDouble()).ToArray();

    private static float[] Logits(CausalLM m, long[] ids)
    {
        using var _ = no_grad();
        using var x = tensor(ids).view(1, -1);
        return m.Forward(x).to(ScalarType.Float32).data<float>().ToArray();
    }

    [Fact]
    public void ALoraDpoStageOnARealTokenizerWritesAPeftAdapterThatMergeFoldsInExactly()
    {
        var model = StageFixtures.TinyQwen3WithTokenizer();
        var data = StageFixtures.TextPairs();
        var dir = Path.Combine(Fixtures.TempDir("lora-stage"), "dpo");
        var (code, stdout, stderr) = CliRunner.Run("train", "dpo", "--model", model, "--data", data, "--out", dir, "--steps", "3", "--batch-size", "4",
            "--lr", "5e-2", "--lora-rank", "4", "--lora-alpha", "8", "--lora-targets", "q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj");
        Assert.True(code == 0, stderr);
        var final = JsonDocument.Parse(stdout).RootElement.GetProperty("checkpoint").GetString()!;
        using (var adapterConfig = JsonDocument.Parse(File.ReadAllText(Path.Combine(final, LoraAdapter.ConfigFile))))
        {
            Assert.Equal("LORA", adapterConfig.RootElement.GetProperty("peft_type").GetString());
            Assert.Equal(4, adapterConfig.RootElement.GetProperty("r").GetInt32());
        }
        Assert.False(File.Exists(Path.Combine(final, "model.safetensors")), "a LoRA checkpoint holds the adapter, not the weights");
        Assert.True(LoraAdapter.IsAdapterFolder(final));

        var merged = Fixtures.TempDir("lora-stage-merged");
        var m = CliRunner.Run("merge", "--base", model, "--adapter", final, "--out", merged);
        Assert.True(m.Code == 0, m.Err);
        using var adapted = CausalLM.FromPretrained(final);
        using var folded = CausalLM.FromPretrained(merged);
        using var start = CausalLM.FromPretrained(model);
        long[] ids = [9707, 11, 1879, 0, 151645, 42];
        var a = Logits(adapted, ids); var f = Logits(folded, ids); var s = Logits(start, ids);
        Assert.True(a.Zip(f).Max(p => Math.Abs(p.First - p.Second)) < 1e-4, "merged weights compute what the adapter computes");
        Assert.True(a.Zip(s).Max(p => Math.Abs(p.First - p.Second)) > 1e-3, "the adapter moved the model");

        // The next stage can start from the adapter folder: it is folded into the weights, and a new adapter trained.
        var next = Path.Combine(Fixtures.TempDir("lora-stage-next"), "sft");
        var n = CliRunner.Run("train", "sft", "--model", final, "--data", StageFixtures.Conversations(), "--out", next, "--steps", "1", "--batch-size", "4", "--lora-rank", "2");
        Assert.True(n.Code == 0, n.Err);
        Assert.True(File.Exists(Path.Combine(next, PolicyLoader.MergedStartFolder, "config.json")));
    }

    [Fact]
    public void LoraWithDropoutAndBf16StagesResumeExactly()
    {
        var model = StageFixtures.TinyModelFolder();
        var data = StageFixtures.TextPairs();
        foreach (var policy in new[]
                 {
                     new PolicyOptions { Lora = new LoraConfig { Rank = 4, Alpha = 8, Dropout = 0.2, Targets = LoraConfig.KnownTargets } },
                     new PolicyOptions { Precision = Precision.Bf16 },
                 })
        {
            var straight = Path.Combine(Fixtures.TempDir("policy-straight"), "stage");
            new StageRunner().Run(Dpo(data, policy, checkpointEvery: 1), model, straight);

            var split = Path.Combine(Fixtures.TempDir("policy-split"), "stage");
            using var stop = new CancellationTokenSource();
            new StageRunner { Progress = new Stop(p => { if (p.Step == 2) stop.Cancel(); }) }.Run(Dpo(data, policy, checkpointEvery: 1), model, split, stop.Token);
            Assert.Equal(2, Losses(split).Length);
            new StageRunner().Run(Dpo(data, policy, checkpointEvery: 1), model, split);
            Assert.Equal(Losses(straight), Losses(split));
            Assert.True(Losses(straight)[^1] != Losses(straight)[0], "the run trained");
            if (policy.Precision == Precision.Bf16)
                Assert.True(File.Exists(Path.Combine(TrainingCheckpoint.FolderFor(split, 4), TrainingCheckpoint.ExactWeightsFile)), "bf16 keeps float32 masters");
        }
    }

    [Fact]
    public void Bf16AndGradientCheckpointingReproduceTheFp32Losses()
    {
        var model = StageFixtures.TinyModelFolder();
        var data = StageFixtures.TextPairs();
        double[] Run(PolicyOptions policy)
        {
            var dir = Path.Combine(Fixtures.TempDir("policy-losses"), "stage");
            new StageRunner().Run(Dpo(data, policy, steps: 6), model, dir);
            return Losses(dir);
        }
        var fp32 = Run(new PolicyOptions());
        var checkpointed = Run(new PolicyOptions { GradientCheckpointing = true });
        var bf16 = Run(new PolicyOptions { Precision = Precision.Bf16 });
        for (int i = 0; i < fp32.Length; i++)
        {
            Assert.True(Math.Abs(fp32[i] - checkpointed[i]) < 1e-5, $"step {i + 1}: checkpointing {checkpointed[i]} vs {fp32[i]}");
            Assert.True(Math.Abs(fp32[i] - bf16[i]) <= 0.02 * Math.Abs(fp32[i]), $"step {i + 1}: bf16 {bf16[i]} vs fp32 {fp32[i]} (more than 2% apart)");
        }
        Assert.NotEqual(fp32, bf16);   // bf16 really ran in bf16
    }

    [Fact]
    public void ABf16SaveOfFloat32TrainingKeepsExactWeightsAndOptimizerFreeCheckpointsSaySo()
    {
        var model = StageFixtures.TinyModelFolder();
        var data = StageFixtures.TextPairs();
        var dir = Path.Combine(Fixtures.TempDir("policy-save"), "stage");
        new StageRunner().Run(Dpo(data, new PolicyOptions { SaveDType = "bf16", SaveOptimizer = false }, steps: 2, checkpointEvery: 1), model, dir);
        var ckpt = TrainingCheckpoint.FolderFor(dir, 2);
        Assert.Contains("BF16", File.ReadAllText(Path.Combine(ckpt, "model.safetensors"))[..2000]);
        Assert.True(File.Exists(Path.Combine(ckpt, TrainingCheckpoint.ExactWeightsFile)));
        Assert.False(File.Exists(Path.Combine(ckpt, TrainingCheckpoint.OptimizerFile)));
        using var loaded = CausalLM.FromPretrained(ckpt);
        Assert.Equal(ScalarType.Float32, loaded.DType);   // loads in the compute dtype the caller asks
    }

    [Fact]
    public void APlanThatCannotFitIsRefusedBeforeAnyWeightIsLoaded()
    {
        var model = StageFixtures.TinyModelFolder();
        var dir = Path.Combine(Fixtures.TempDir("policy-plan"), "stage");
        var (code, _, stderr) = CliRunner.Run("train", "dpo", "--model", model, "--data", StageFixtures.TextPairs(), "--out", dir, "--steps", "1", "--device-memory", "0.00001");
        Assert.Equal(2, code);
        Assert.Contains("GiB", stderr);
        Assert.False(Directory.Exists(Path.Combine(dir, "checkpoints")));
        var bad = CliRunner.Run("train", "dpo", "--model", model, "--data", StageFixtures.TextPairs(), "--out", dir + "-bad", "--lora-rank", "0");
        Assert.Equal(2, bad.Code);
        Assert.Contains("rank", bad.Err);
        var badTarget = CliRunner.Run("train", "dpo", "--model", model, "--data", StageFixtures.TextPairs(), "--out", dir + "-bad2", "--lora-rank", "2", "--lora-targets", "qkv");
        Assert.Equal(2, badTarget.Code);
        Assert.Contains("qkv", badTarget.Err);
    }

    private sealed class Stop(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
