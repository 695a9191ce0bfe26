using ValueDrift.Errors;
using ValueDrift.Models;
using ValueDrift.Training;
using ValueDrift.Training.Objectives;
using ValueDrift.Training.Ppo;
using Xunit;

namespace ValueDrift.Tests.Training;

public class PpoStepTests
{
    /// <summary>A known reward: +1 for every occurrence of <see cref="Token"/> in the response.</summary>
    private sealed class CountToken : IRewardFunction
    {
        public const int Token = 7;
        public double[] Score(IReadOnlyList<int[]> prompts, IReadOnlyList<int[]> responses) =>
            responses.Select(r => (double)r.Count(t => t == Token)).ToArray();
    }

    private sealed class NaNReward : IRewardFunction
    {
        public double[] Score(IReadOnlyList<int[]> prompts, IReadOnlyList<int[]> responses) => responses.Select(_ => double.NaN).ToArray();
    }

    private static List<int[]> Prompts(int n, int seed = 1)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, 2 + rng.Next(3)).Select(_ => 3 + rng.Next(30)).ToArray()).ToList();
    }

    private static PpoOptions Options() => new() { ResponseLength = 8, NumMiniBatches = 2 };

    private static TrainerOptions Loop(int steps, long seed = 0) =>
        new() { MaxSteps = steps, BatchSize = 16, LearningRate = 3e-3, Seed = seed, Decay = LearningRateDecay.Constant };

    /// <summary>PPO in the one training loop.</summary>
    private static TrainingLoop Ppo(Models m, IRewardFunction reward, IReadOnlyList<int[]> prompts, PpoOptions options, TrainerOptions loop, string? dir = null) =>
        new(new PpoStep(m.Policy, m.Reference, reward, m.Value, prompts, 0, options), loop, dir);

    private sealed record Models(CausalLM Policy, CausalLM Reference, RewardModel Value) : IDisposable
    {
        public static Models Create(long seed) => new(CausalLM.Create(TrainingData.TinyConfig(), seed), CausalLM.Create(TrainingData.TinyConfig(), seed),
            RewardModel.Create(TrainingData.TinyConfig(), seed + 100));
        public void Dispose() { Policy.Dispose(); Reference.Dispose(); Value.Dispose(); }

        /// <summary>
        /// Saves these models' starting weights to a fresh folder and returns a loader of new copies of them, so every run
        /// starts from the same files, not from re-seeded creation (torch's global RNG is shared by parallel tests).
        /// </summary>
        public Func<Models> Saved(string name)
        {
            var start = Fixtures.TempDir(name);
            Policy.SavePretrained(start);
            Value.SavePretrained(Path.Combine(start, "value"));
            return () => new(CausalLM.FromPretrained(start), CausalLM.FromPretrained(start), RewardModel.FromPretrained(Path.Combine(start, "value")));
        }
    }

    [Fact]
    public void PpoRaisesTheMeanScoreOfAKnownReward()
    {
        using var m = Models.Create(1);
        using var trainer = Ppo(m, new CountToken(), Prompts(64), Options(), Loop(30));
        trainer.Run();
        double F(IEnumerable<(int, IReadOnlyDictionary<string, double> M)> h, string k) => h.Average(x => x.M[k]);
        var first = trainer.History.Take(5).ToList();
        var last = trainer.History.TakeLast(5).ToList();
        Assert.True(F(last, "objective/scores") > F(first, "objective/scores") + 1.0,
            $"mean score {F(first, "objective/scores"):F3} → {F(last, "objective/scores"):F3}");
        Assert.True(F(last, "objective/kl") > 0, "the policy moved away from the reference");
        foreach (var k in new[] { "objective/kl", "objective/entropy", "objective/scores", "objective/rlhf_reward", "policy/approxkl_avg",
                     "policy/clipfrac_avg", "loss/policy_avg", "loss/value_avg", "val/clipfrac_avg", "lr" })
            Assert.All(trainer.History, h => Assert.True(double.IsFinite(h.Metrics[k]), k));
        // rlhf_reward = scores − β_KL · KL, per step
        Assert.All(trainer.History, h => Assert.Equal(h.Metrics["objective/scores"] - 0.05 * h.Metrics["objective/kl"], h.Metrics["objective/rlhf_reward"], 4));
    }

    [Fact]
    public void ResumingReproducesTheUninterruptedRunAndWritesTheRunFolder()
    {
        var prompts = Prompts(24, seed: 2);
        var straightDir = Fixtures.TempDir("ppo-straight");
        using var a = Models.Create(5);
        var load = a.Saved("ppo-start");
        using var straight = Ppo(a, new CountToken(), prompts, Options(), Loop(4, seed: 3) with { CheckpointEvery = 2 }, straightDir);
        var events = new List<string>();
        straight.Started += e => events.Add($"start {e.Step} {e.Objective}");
        straight.StepEnded += e => events.Add($"step {e.Step}");
        straight.CheckpointSaved += e => events.Add($"ckpt {e.Step}");
        straight.Run();
        Assert.Equal(["start 0 ppo", "step 1", "step 2", "ckpt 2", "step 3", "step 4", "ckpt 4"], events);
        var ckpt = TrainingCheckpoint.FolderFor(straightDir, 4);
        foreach (var f in new[] { "model.safetensors", "config.json", TrainingCheckpoint.OptimizerFile, TrainingCheckpoint.StateFile,
                     Path.Combine(PpoStep.ValueModelFolder, "model.safetensors"), Path.Combine(PpoStep.ValueModelFolder, "config.json") })
            Assert.True(File.Exists(Path.Combine(ckpt, f)), f);
        Assert.Equal(4, File.ReadAllLines(Path.Combine(straightDir, "metrics.jsonl")).Length);

        var splitDir = Fixtures.TempDir("ppo-split");
        using (var b = load())
        {
            using var stop = new CancellationTokenSource();
            using var t = Ppo(b, new CountToken(), prompts, Options(), Loop(4, seed: 3), splitDir);
            t.StepEnded += e => { if (e.Step == 2) stop.Cancel(); };
            t.Run(cancel: stop.Token);
            Assert.Equal(2, t.History.Count);
        }
        using var c = load();                                // starting weights; the checkpoint overwrites policy and value model
        using (TorchSharp.torch.no_grad()) foreach (var p in c.Value.parameters()) p.mul_(0.5);
        using var resumed = Ppo(c, new CountToken(), prompts, Options(), Loop(4, seed: 3), splitDir);
        bool resumedFlag = false;
        resumed.Started += e => resumedFlag = e.Resumed && e.Step == 2;
        resumed.Run(resume: true);
        Assert.True(resumedFlag);
        Assert.Equal(straight.History.Skip(2).Select(h => h.Metrics["loss"]), resumed.History.Select(h => h.Metrics["loss"]));
        foreach (var ((name, p), (_, q)) in a.Policy.named_parameters().Zip(c.Policy.named_parameters()))
            Assert.True(p.detach().bytes.SequenceEqual(q.detach().bytes), $"policy {name} differs after resume");
        foreach (var ((name, p), (_, q)) in a.Value.named_parameters().Zip(c.Value.named_parameters()))
            Assert.True(p.detach().bytes.SequenceEqual(q.detach().bytes), $"value model {name} differs after resume");
    }

    [Fact]
    public void NonFiniteRewardsAndLossesAreTrainingErrors()
    {
        using var m = Models.Create(7);
        var e = Assert.Throws<TrainingException>(() => Ppo(m, new NaNReward(), Prompts(8), Options(), Loop(2)).Run());
        Assert.Contains("reward function returned NaN", e.Message);

        var huge = Loop(3) with { LearningRate = 1e30, MaxGradNorm = 0 };
        var e2 = Assert.Throws<TrainingException>(() => Ppo(m, new CountToken(), Prompts(8), Options(), huge).Run());
        Assert.Matches("loss is|gradient norm is", e2.Message);
    }

    [Fact]
    public void InvalidSetUpIsATrainingError()
    {
        using var m = Models.Create(8);
        Assert.Throws<TrainingException>(() => new PpoStep(m.Policy, m.Policy, new CountToken(), m.Value, Prompts(4), 0, Options()));
        Assert.Throws<TrainingException>(() => new PpoStep(m.Policy, m.Reference, new CountToken(), m.Value, [], 0, Options()));
        Assert.Throws<TrainingException>(() => new PpoStep(m.Policy, m.Reference, new CountToken(), m.Value, Prompts(4), 0, Options() with { Temperature = 0 }));
        Assert.Throws<TrainingException>(() => new PpoStep(m.Policy, m.Reference, new CountToken(), m.Value, Prompts(4), 0, Options() with { ClipRange = 1.5 }));
        // More mini-batches than prompts per step: refused when the loop starts, before any rollout.
        Assert.Throws<TrainingException>(() => Ppo(m, new CountToken(), Prompts(4), Options() with { NumMiniBatches = 32 }, Loop(1)).Run());
    }

    /// <summary>
    /// Target-KL early stopping stops at the first update whose approxkl passes 1.5 × target_kl. Runs without a target
    /// and 1..4 epochs (one mini-batch each) take the same first updates (same rollout, same shuffles), so their mean
    /// approxkl gives each update's own: kl_e = e·avg_e − (e−1)·avg_(e−1). A target between the second and the third
    /// must then stop after exactly two updates, with the third's measurement in the logged mean.
    /// </summary>
    [Fact]
    public void TargetKlStopsARolloutsUpdatesExactlyWhereTheRuleSays()
    {
        var prompts = Prompts(16, seed: 4);
        using var a = Models.Create(11);
        var load = a.Saved("ppo-targetkl-start");
        IReadOnlyDictionary<string, double> OneStep(PpoOptions options)
        {
            using var m = load();
            using var t = Ppo(m, new CountToken(), prompts, options, Loop(1, seed: 2));
            t.Run();
            return t.History.Single().Metrics;
        }
        var free = Options() with { NumMiniBatches = 1, TargetKl = null };
        var avg = Enumerable.Range(1, 4).Select(e => OneStep(free with { NumPpoEpochs = e })).ToList();
        Assert.All(avg, (h, i) => Assert.Equal((i + 1, 0), (h[PpoStep.UpdatesMetric], h[PpoStep.EarlyStoppedMetric])));
        var kl = Enumerable.Range(1, 4).Select(e => e * avg[e - 1]["policy/approxkl_avg"] - (e - 1) * (e > 1 ? avg[e - 2]["policy/approxkl_avg"] : 0)).ToList();
        Assert.True(kl[0] < 1e-6, $"the first update starts at the rollout's policy, approxkl {kl[0]}");
        Assert.True(kl[2] > 1.2 * Math.Max(kl[0], kl[1]), $"per-update approxkl {string.Join(", ", kl)}: the third must exceed the first two for this case");

        double threshold = (Math.Max(kl[0], kl[1]) + kl[2]) / 2;      // 1.5 × target_kl
        var stopped = OneStep(free with { TargetKl = threshold / PpoMath.TargetKlFactor });
        Assert.Equal((2, 1), (stopped[PpoStep.UpdatesMetric], stopped[PpoStep.EarlyStoppedMetric]));
        Assert.Equal(avg[2]["policy/approxkl_avg"], stopped["policy/approxkl_avg"], 6);   // the two updates and the stopping measurement
        Assert.Equal(avg[1]["grad_norm"], stopped["grad_norm"], 6);                      // gradient norms of the applied updates only

        // A target the run never reaches changes nothing.
        var loose = OneStep(free with { TargetKl = 1e6 });
        Assert.Equal((4, 0), (loose[PpoStep.UpdatesMetric], loose[PpoStep.EarlyStoppedMetric]));
        Assert.Equal(avg[3]["loss"], loose["loss"]);
    }

    /// <summary>The same reward for every response, no KL penalty.</summary>
    private sealed class ConstantReward : IRewardFunction
    {
        public double[] Score(IReadOnlyList<int[]> prompts, IReadOnlyList<int[]> responses) => responses.Select(_ => 1.5).ToArray();
    }

    private static float[] Weights(CausalLM model) =>
        model.parameters().SelectMany(p => p.detach().cpu().to_type(TorchSharp.torch.ScalarType.Float32).data<float>().ToArray()).ToArray();

    /// <summary>
    /// The value-baseline control: with one reward for every response and no KL penalty, the only thing that can push
    /// the policy is the value model's reading of partial responses. Read (TRL's GAE), it moves the policy; unread
    /// (λ = 1), every token's advantage is the same return, whitened to 0, and the policy's weights stay exactly as they were.
    /// </summary>
    [Fact]
    public void WithoutTheValueBaselineAConstantRewardLeavesThePolicyUntouched()
    {
        var prompts = Prompts(16, seed: 5);
        float[] After(bool valueBaseline)
        {
            using var m = Models.Create(13);
            var options = Options() with { KlCoef = 0, Lambda = 1, ValueBaseline = valueBaseline, TargetKl = null };
            using var t = Ppo(m, new ConstantReward(), prompts, options, Loop(2) with { WeightDecay = 0 });
            var before = Weights(m.Policy);
            t.Run();
            var after = Weights(m.Policy);
            Assert.Equal(before.Length, after.Length);
            return before.Zip(after, (a, b) => Math.Abs(a - b)).ToArray();
        }
        Assert.Equal(0f, After(valueBaseline: false).Max());
        Assert.True(After(valueBaseline: true).Max() > 1e-4, "the value model's readings alone move the policy");
        Assert.True(new PpoOptions().ValueBaseline, "TRL reads the value model");
    }

    /// <summary>
    /// The shuffled-scores control keeps each rollout's responses and the multiset of its scores (so the mean score is
    /// the same, step for step, on the first rollout) but not which response earned which: the update differs.
    /// </summary>
    [Fact]
    public void ShuffledScoresKeepTheRolloutsScoresButNotWhoEarnedThem()
    {
        var prompts = Prompts(16, seed: 6);
        (IReadOnlyDictionary<string, double> First, float[] Weights) Run(bool shuffle)
        {
            using var m = Models.Create(14);
            using var t = Ppo(m, new CountToken(), prompts, Options() with { ShuffleScores = shuffle }, Loop(1));
            t.Run();
            return (t.History.Single().Metrics, Weights(m.Policy));
        }
        var plain = Run(false);
        var shuffled = Run(true);
        Assert.Equal(plain.First["objective/scores"], shuffled.First["objective/scores"], 5);
        Assert.Equal(plain.First["response_length"], shuffled.First["response_length"]);
        Assert.True(plain.Weights.Zip(shuffled.Weights, (a, b) => Math.Abs(a - b)).Max() > 1e-6, "the shuffled scores credit other responses");
        Assert.False(new PpoOptions().ShuffleScores);
    }

    /// <summary>
    /// The value warm-up fits the value model to the start policy's sampled returns before PPO's first update: the
    /// first rollout is the one a run without it samples (the policy is untouched and the rollout's random stream is
    /// its own), the warm-up's loss falls, PPO's first value loss is lower, and a run resumed after step 1 repeats the
    /// uninterrupted one without warming up again.
    /// </summary>
    [Fact]
    public void TheValueWarmupFitsTheValueModelAloneAndIsNotRepeatedOnResume()
    {
        var prompts = Prompts(16, seed: 7);
        using var a = Models.Create(15);
        var load = a.Saved("ppo-warmup-start");
        IReadOnlyList<IReadOnlyDictionary<string, double>> Run(PpoOptions options, int steps, string? dir = null, int stopAfter = 0, bool resume = false)
        {
            using var m = load();
            using var stop = new CancellationTokenSource();
            using var t = Ppo(m, new CountToken(), prompts, options, Loop(steps, seed: 4) with { CheckpointEvery = 1 }, dir);
            if (stopAfter > 0) t.StepEnded += e => { if (e.Step == stopAfter) stop.Cancel(); };
            t.Run(cancel: stop.Token, resume: resume);
            return t.History.Select(h => h.Metrics).ToList();
        }
        var plain = Run(Options(), 1).Single();
        var warm = Options() with { ValueWarmupRollouts = 3 };
        var warmed = Run(warm, 1).Single();
        Assert.Equal(plain["objective/scores"], warmed["objective/scores"]);
        Assert.Equal(plain["response_length"], warmed["response_length"]);
        Assert.True(warmed["value_warmup/loss_last"] < warmed["value_warmup/loss_first"],
            $"warm-up value loss {warmed["value_warmup/loss_first"]} → {warmed["value_warmup/loss_last"]}");
        Assert.True(warmed["loss/value_avg"] < plain["loss/value_avg"], $"value loss at PPO's first rollout {plain["loss/value_avg"]} → {warmed["loss/value_avg"]} with the warm-up");
        Assert.False(plain.ContainsKey("value_warmup/loss_first"));

        var straight = Run(warm, 2);
        var dir = Fixtures.TempDir("ppo-warmup-split");
        Assert.Single(Run(warm, 2, dir, stopAfter: 1));
        var resumed = Run(warm, 2, dir, resume: true).Single();
        Assert.False(resumed.ContainsKey("value_warmup/loss_first"));
        Assert.Equal(straight[1]["loss"], resumed["loss"]);
        Assert.Equal(0, new PpoOptions().ValueWarmupRollouts);
        Assert.Throws<TrainingException>(() => new PpoStep(a.Policy, a.Reference, new CountToken(), a.Value, prompts, 0, Options() with { ValueWarmupRollouts = -1 }));
    }

    [Fact]
    public void TargetKlEarlyStoppingIsOnByDefault()
    {
        Assert.Equal(0.01, new PpoOptions().TargetKl);
        using var m = Models.Create(12);
        // A target far below any real update: every rollout takes its first update only.
        using var t = Ppo(m, new CountToken(), Prompts(16), Options() with { TargetKl = 1e-12 }, Loop(2));
        t.Run();
        Assert.All(t.History, h => Assert.Equal((1, 1), (h.Metrics[PpoStep.UpdatesMetric], h.Metrics[PpoStep.EarlyStoppedMetric])));
        Assert.Throws<TrainingException>(() => new PpoStep(m.Policy, m.Reference, new CountToken(), m.Value, Prompts(4), 0, Options() with { TargetKl = 0 }));
    }
}
