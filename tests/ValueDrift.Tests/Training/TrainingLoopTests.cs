using TorchSharp;
using ValueDrift.Errors;
using ValueDrift.Models;
using ValueDrift.Training;
using ValueDrift.Training.Objectives;
using Xunit;
using static TorchSharp.torch;

namespace ValueDrift.Tests.Training;

public class TrainingLoopTests
{
    private static double Mean(IEnumerable<double> xs) => xs.Average();

    [Fact]
    public void SftLowersItsLoss()
    {
        using var model = CausalLM.Create(TrainingData.TinyConfig(), seed: 1);
        var trainer = new TrainingLoop(new SftObjective(model, TrainingData.Sft(64), padId: 0), new TrainerOptions { MaxSteps = 40, BatchSize = 8, LearningRate = 1e-2, WarmupSteps = 3 });
        trainer.Run();
        var losses = trainer.History.Select(h => h.Metrics["loss"]).ToList();
        Assert.True(Mean(losses.TakeLast(5)) < 0.8 * Mean(losses.Take(5)), $"SFT loss {Mean(losses.Take(5)):F3} → {Mean(losses.TakeLast(5)):F3}");
        Assert.All(trainer.History, h => Assert.True(h.Metrics["grad_norm"] > 0 && h.Metrics["tokens_per_second"] > 0));
    }

    [Theory]
    [InlineData("dpo")]
    [InlineData("simpo")]
    public void PreferenceObjectivesLowerLossAndRaiseMarginsAndAccuracy(string algorithm)
    {
        using var model = CausalLM.Create(TrainingData.TinyConfig(), seed: 2);
        var pairs = TrainingData.Preferences(48);
        ITrainingObjective objective = algorithm == "dpo" ? new DpoObjective(model, pairs, 0, beta: 0.5) : new SimPoObjective(model, pairs, 0, beta: 2.0, gamma: 0.5);
        var trainer = new TrainingLoop(objective, new TrainerOptions { MaxSteps = 30, BatchSize = 8, LearningRate = 2e-3 });
        trainer.Run();
        var first = trainer.History.Take(4).ToList();
        var last = trainer.History.TakeLast(4).ToList();
        double F(List<(int, IReadOnlyDictionary<string, double> M)> h, string k) => h.Average(x => x.M[k]);
        Assert.True(F(last, "loss") < F(first, "loss"), $"{algorithm} loss {F(first, "loss")} → {F(last, "loss")}");
        Assert.True(F(last, "rewards/margins") > F(first, "rewards/margins") + 0.1, $"margins {F(first, "rewards/margins")} → {F(last, "rewards/margins")}");
        Assert.True(F(last, "rewards/accuracies") > F(first, "rewards/accuracies"), $"accuracy {F(first, "rewards/accuracies")} → {F(last, "rewards/accuracies")}");
        Assert.True(F(last, "rewards/accuracies") >= 0.9);
        foreach (var k in new[] { "rewards/chosen", "rewards/rejected", "logps/chosen", "logps/rejected", "grad_norm", "lr" })
            Assert.All(trainer.History, h => Assert.Contains(k, h.Metrics.Keys));
    }

    [Fact]
    public void FirstDpoStepHasLossLn2BecauseThePolicyIsItsOwnReference()
    {
        using var model = CausalLM.Create(TrainingData.TinyConfig(), seed: 3);
        var trainer = new TrainingLoop(new DpoObjective(model, TrainingData.Preferences(16), 0, beta: 0.1), new TrainerOptions { MaxSteps = 1, BatchSize = 8 });
        trainer.Run();
        Assert.Equal(Math.Log(2), trainer.History[0].Metrics["loss"], 5);
    }

    [Fact]
    public void GradientAccumulationEqualsOneLargerBatch()
    {
        var data = TrainingData.Sft(32, seed: 5);
        var pairs = TrainingData.Preferences(32, seed: 6);
        foreach (var kind in new[] { "sft", "dpo" })
        {
            (double Loss, float[] Grad) Run(int batch, int accumulation)
            {
                using var model = CausalLM.Create(TrainingData.TinyConfig(), seed: 4);
                ITrainingObjective o = kind == "sft" ? new SftObjective(model, data, 0) : new DpoObjective(model, pairs, 0, beta: 0.3);
                o.Prepare(null);
                var options = new TrainerOptions { BatchSize = batch, GradientAccumulation = accumulation, Seed = 9 };
                foreach (var p in model.parameters()) p.grad?.zero_();
                var acc = new GradientStep(o).Accumulate(0, new BatchSampler(o.ExampleCount, batch * accumulation, options.Seed), options);
                var grad = cat(model.parameters().Select(p => p.grad!.flatten()).ToArray()).data<float>().ToArray();
                return (acc.Loss, grad);
            }
            var big = Run(16, 1);
            var small = Run(4, 4);
            Assert.True(Math.Abs(big.Loss - small.Loss) < 1e-5, $"{kind} loss {big.Loss} vs {small.Loss}");
            double maxDiff = big.Grad.Zip(small.Grad, (a, b) => Math.Abs(a - b)).Max();
            Assert.True(maxDiff < 1e-5, $"{kind} gradients differ by {maxDiff}");
            Assert.Contains(big.Grad, g => g != 0);
        }
    }

    [Fact]
    public void ResumingAfterAStopReproducesTheUninterruptedRun()
    {
        var data = TrainingData.Preferences(40, seed: 7);
        TrainerOptions O(int steps) => new() { MaxSteps = steps, BatchSize = 4, GradientAccumulation = 2, LearningRate = 1e-3, WarmupSteps = 2, Decay = LearningRateDecay.Cosine, CheckpointEvery = 3, Seed = 11 };

        var straightDir = Fixtures.TempDir("resume-straight");
        using var straight = CausalLM.Create(TrainingData.TinyConfig(), seed: 8);
        var a = new TrainingLoop(new DpoObjective(straight, data, 0, 0.2), O(12), straightDir);
        a.Run();

        var splitDir = Fixtures.TempDir("resume-split");
        using (var first = CausalLM.Create(TrainingData.TinyConfig(), seed: 8))
        {
            using var stop = new CancellationTokenSource();
            var t = new TrainingLoop(new DpoObjective(first, data, 0, 0.2), O(12), splitDir);
            t.StepEnded += e => { if (e.Step == 7) stop.Cancel(); };    // stops after step 7; its newest periodic checkpoint is step 6
            t.Run(cancel: stop.Token);
            Assert.Equal(7, t.History.Count);
            Directory.Delete(Path.Combine(splitDir, "checkpoints", "step-7"), recursive: true);   // as if killed before saving step 7
        }
        using var second = CausalLM.Create(TrainingData.TinyConfig(), seed: 99);                            // fresh process state
        var b = new TrainingLoop(new DpoObjective(second, data, 0, 0.2), O(12), splitDir);
        b.Run(resume: true);

        Assert.Equal(string.Join(" ", a.History.Skip(6).Select(h => h.Metrics["loss"])), string.Join(" ", b.History.Select(h => h.Metrics["loss"])));
        foreach (var ((name, p), (_, q)) in straight.named_parameters().Zip(second.named_parameters()))
            Assert.True(p.detach().bytes.SequenceEqual(q.detach().bytes), $"{name} differs after resume");
        var lines = File.ReadAllLines(Path.Combine(splitDir, "metrics.jsonl"));
        Assert.Equal(12, lines.Length);
        Assert.True(File.Exists(Path.Combine(splitDir, "checkpoints", "step-12", "model.safetensors")));
    }

    [Fact]
    public void NonFiniteLossStopsWithATypedErrorAndLeavesWeightsUntouched()
    {
        using var model = CausalLM.Create(TrainingData.TinyConfig(), seed: 10);
        var before = model.parameters().Select(p => p.detach().clone()).ToList();
        // A learning rate of 1e30 makes the first step's weights explode; the next loss is NaN/Inf.
        var trainer = new TrainingLoop(new SftObjective(model, TrainingData.Sft(16), 0), new TrainerOptions { MaxSteps = 5, BatchSize = 4, LearningRate = 1e30, MaxGradNorm = 0 });
        var e = Assert.Throws<TrainingException>(() => trainer.Run());
        Assert.Matches("loss is|gradient norm is", e.Message);
        Assert.All(model.parameters(), p => Assert.False(p.isnan().any().item<bool>()));

        using var model2 = CausalLM.Create(TrainingData.TinyConfig(), seed: 10);
        var skipping = new TrainingLoop(new SftObjective(model2, TrainingData.Sft(16), 0), new TrainerOptions { MaxSteps = 5, BatchSize = 4, LearningRate = 1e30, MaxGradNorm = 0, SkipNonFiniteSteps = true });
        skipping.Run();
        Assert.True(skipping.History.Count < 5);
        Assert.All(model2.parameters(), p => Assert.False(p.isnan().any().item<bool>()));
    }

    [Fact]
    public void InvalidOptionsAreTrainingErrors()
    {
        using var model = CausalLM.Create(TrainingData.TinyConfig(), seed: 1);
        var o = new SftObjective(model, TrainingData.Sft(4), 0);
        Assert.Throws<TrainingException>(() => new TrainingLoop(o, new TrainerOptions { LearningRate = 0 }));
        Assert.Throws<TrainingException>(() => new TrainingLoop(o, new TrainerOptions { BatchSize = 0 }));
        Assert.Throws<TrainingException>(() => new DpoObjective(model, TrainingData.Preferences(4), 0, beta: 0));
        Assert.Throws<TrainingException>(() => new SimPoObjective(model, TrainingData.Preferences(4), 0, beta: -1, gamma: 1));
    }

    [Fact]
    public void ScheduleWarmsUpThenDecays()
    {
        var o = new TrainerOptions { MaxSteps = 10, WarmupSteps = 2, LearningRate = 1.0, Decay = LearningRateDecay.Linear };
        Assert.Equal(0.5, LearningRateSchedule.At(0, o), 12);
        Assert.Equal(1.0, LearningRateSchedule.At(1, o), 12);
        Assert.Equal(1.0, LearningRateSchedule.At(2, o), 12);
        Assert.Equal(0.5, LearningRateSchedule.At(6, o), 12);
        Assert.Equal(0.5, LearningRateSchedule.At(6, o with { Decay = LearningRateDecay.Cosine }), 12);
        Assert.Equal(0.5 * (1 + Math.Cos(Math.PI * 0.25)), LearningRateSchedule.At(4, o with { Decay = LearningRateDecay.Cosine }), 12);   // progress (4-2)/8
    }
}
