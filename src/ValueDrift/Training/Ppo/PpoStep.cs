using System.Diagnostics;
using TorchSharp;
using TorchSharp.Modules;
using ValueDrift.Errors;
using ValueDrift.Models;
using ValueDrift.Training.Objectives;
using static TorchSharp.torch;

namespace ValueDrift.Training.Ppo;

/// <summary>
/// PPO for language models in TRL's PPOv2 design (four models: policy, frozen reference, reward function, separate
/// value model). Each step, inside one dispose scope:
/// <list type="number">
/// <item>roll out: sample ResponseLength tokens for a batch of prompts at the set temperature (seed derived from
/// (seed, step)), cut each response after its first stop token (kept);</item>
/// <item>score: log-probs of the responses under the policy (old) and the reference, values from the value model,
/// the reward function's score of prompt + response (minus MissingEosPenalty without a stop token);</item>
/// <item>credit: per-token rewards −β_KL·(log π − log π_ref) plus the score on the last token, GAE (γ, λ), returns =
/// A + V, advantages whitened;</item>
/// <item>update: NumPpoEpochs passes over shuffled mini-batches, each one AdamW update of policy and value model on the
/// clipped policy loss + VfCoef × clipped value loss, the policy's and the value model's gradients each clipped to
/// MaxGradNorm on its own (norms logged as grad_norm/policy and grad_norm/value; grad_norm is their joint norm), at the
/// scheduled learning rate — until a mini-batch's approxkl passes the target-KL rule (<see cref="PpoOptions.TargetKl"/>):
/// that update and the rollout's remaining ones are skipped (logged as policy/updates and policy/early_stopped).</item>
/// </list>
/// One PPO step of the one <see cref="TrainingLoop"/>, which owns the optimizer (over policy and value model), the
/// schedule, clipping, events, metrics and checkpoints (the policy, the value model in <see cref="ValueModelFolder"/>,
/// the optimizer state). Every random draw derives from the seed and the step, so a resumed run repeats the
/// uninterrupted one exactly.
/// </summary>
public sealed class PpoStep : ITrainingStep
{
    /// <summary>Sub-folder of a checkpoint holding the value model (backbone + <see cref="RewardModel.HeadFile"/>).</summary>
    public const string ValueModelFolder = "value_model";
    public const string ObjectiveName = "ppo";
    /// <summary>Metric: optimizer updates a rollout took (NumPpoEpochs × NumMiniBatches unless stopped early; the epoch that stopped is updates / NumMiniBatches + 1).</summary>
    public const string UpdatesMetric = "policy/updates";
    /// <summary>Metric: 1 when target-KL early stopping ended the rollout's updates, else 0.</summary>
    public const string EarlyStoppedMetric = "policy/early_stopped";

    private readonly CausalLM _policy;
    private readonly CausalLM _reference;
    private readonly IRewardFunction _reward;
    private readonly RewardModel _value;
    private readonly IReadOnlyList<int[]> _prompts;
    private readonly int _padId;
    private readonly PpoOptions _o;
    private readonly HashSet<int> _stop;
    private readonly IDisposable[] _owned;
    private long _seed;
    /// <summary>Policy and value-model parameters: clipped as two groups, each on its own.</summary>
    private readonly IReadOnlyList<IReadOnlyList<Parameter>> _groups;

    /// <param name="policy">Trained in place.</param>
    /// <param name="reference">Frozen; usually a second copy of the starting policy. Must not be <paramref name="policy"/>.</param>
    /// <param name="reward">Scores finished responses; not trained.</param>
    /// <param name="valueModel">Trained in place; TRL initialises it from the reward model (<see cref="RewardModel.Copy"/>).</param>
    /// <param name="prompts">Prompt token ids, each non-empty.</param>
    /// <param name="padId">Id fed at padded positions (masked out).</param>
    /// <param name="owned">Models this step disposes with itself (e.g. the reference and value model it was built with).</param>
    public PpoStep(CausalLM policy, CausalLM reference, IRewardFunction reward, RewardModel valueModel, IReadOnlyList<int[]> prompts,
        int padId, PpoOptions options, params IDisposable[] owned)
    {
        options.Validate();
        if (ReferenceEquals(policy, reference)) throw new TrainingException("PPO needs a separate frozen reference model (load the starting policy a second time)");
        if (ReferenceEquals(reward, valueModel)) throw new TrainingException("PPO's value model must be separate from the reward model (use RewardModel.Copy())");
        if (prompts.Count == 0) throw new TrainingException("PPO needs at least one prompt");
        if (prompts.Any(p => p.Length == 0)) throw new TrainingException("every PPO prompt needs at least one token");
        _policy = policy; _reference = reference; _reward = reward; _value = valueModel; _prompts = prompts; _padId = padId;
        _o = options; _owned = owned;
        _stop = (options.StopTokenIds ?? policy.Config.EosTokenIds).ToHashSet();
        _groups = [_policy.TrainableParameters.ToList(), _value.parameters().Where(p => p.requires_grad).ToList()];   // with LoRA: the adapter, and the value model
        TrainableParameters = _groups.SelectMany(g => g).ToList();
        foreach (var p in _reference.parameters()) p.requires_grad = false;
        _reference.eval();
    }

    public string Name => ObjectiveName;
    public CausalLM Policy => _policy;
    public IReadOnlyList<Parameter> TrainableParameters { get; }
    public int ExampleCount => _prompts.Count;
    /// <summary>Prompts rolled out per step: the batch size (PPO splits a rollout into mini-batches instead of accumulating).</summary>
    public int ExamplesPerStep(TrainerOptions options)
    {
        if (_o.NumMiniBatches > options.BatchSize)
            throw new TrainingException($"PPO option {nameof(PpoOptions.NumMiniBatches)}: must be in 1..BatchSize ({options.BatchSize})");
        return options.BatchSize;
    }
    public void Prepare(string? runDirectory) { }

    public void Eval()
    {
        _policy.eval();
        _value.Backbone.eval();
    }

    public void SaveExtras(string checkpointDirectory)
    {
        var dir = Path.Combine(checkpointDirectory, ValueModelFolder);
        Directory.CreateDirectory(dir);
        _value.SavePretrained(dir);
    }

    public void LoadExtras(string checkpointDirectory)
    {
        var dir = Path.Combine(checkpointDirectory, ValueModelFolder);
        if (!Directory.Exists(dir)) throw new CheckpointException(dir, null, "missing: a PPO checkpoint keeps its value model here");
        Checkpoint.LoadWeights(_value.Backbone, dir);
        _value.LoadHead(dir);
    }

    public void Dispose()
    {
        foreach (var d in _owned) d.Dispose();
    }

    /// <summary>One rollout plus its updates, in one dispose scope. Null when a non-finite step was skipped.</summary>
    public Dictionary<string, double>? Run(int step, StepContext context)
    {
        var watch = Stopwatch.StartNew();
        using var scope = NewDisposeScope();
        _seed = context.Options.Seed;
        // A resumed run's checkpoint holds the warmed-up value model; only a run that starts at step 0 warms it up.
        (double First, double Last)? warmup = step == 0 && _o.ValueWarmupRollouts > 0 ? WarmUpValueModel(context) : null;
        var rollout = Rollout(step, context.Sampler.IndicesForStep(step));
        var metrics = new Dictionary<string, double>(rollout.Metrics);
        if (warmup is { } w) { metrics["value_warmup/loss_first"] = w.First; metrics["value_warmup/loss_last"] = w.Last; }
        _policy.train();
        _value.Backbone.train();
        int B = rollout.Responses.Length, updates = 0, measured = 0;
        bool stopped = false;
        // Measurements of the policy (losses, approxkl, clip fractions, entropy) average over every mini-batch evaluated,
        // the one that stopped the rollout included; gradient norms over the updates applied.
        var sums = new Dictionary<string, double>();
        var gradSums = new Dictionary<string, double>();
        void Add(string k, double v) => sums[k] = sums.GetValueOrDefault(k) + v;
        void AddGrad(string k, double v) => gradSums[k] = gradSums.GetValueOrDefault(k) + v;
        foreach (var mb in MiniBatches(B, step, salt: 1))
        {
            using var microScope = NewDisposeScope();
            context.ZeroGrad();
            var rows = tensor(mb.Select(i => (long)i).ToArray(), device: _policy.Device);
            var ids = rollout.Ids.index_select(0, rows);
            var mask = rollout.Mask.index_select(0, rows);
            var responseMask = rollout.ResponseMask.index_select(0, rows);
            var logits = ResponseLogits(_policy, ids, mask, rollout.ContextLength, rollout.ResponseWidth);
            var newLogp = PpoMath.TokenLogProbs(logits, rollout.ResponseTokens.index_select(0, rows), _o.Temperature);
            var values = ResponseValues(ids, mask, rollout.ContextLength, rollout.ResponseWidth);
            var pg = PpoMath.PolicyLoss(newLogp, rollout.OldLogp.index_select(0, rows), rollout.Advantages.index_select(0, rows), responseMask, _o.ClipRange);
            var vf = PpoMath.ValueLoss(values, rollout.OldValues.index_select(0, rows), rollout.Returns.index_select(0, rows), responseMask, _o.ClipRangeValue);
            var loss = pg.Loss + _o.VfCoef * vf.Loss;
            Tensor entropy;
            using (no_grad()) entropy = PpoMath.MaskedMean(PpoMath.Entropy(logits, _o.Temperature), responseMask);
            // The micro-batch's metrics in one host transfer (one device synchronisation on a GPU), before backward.
            var read = ScalarReads.Read(loss, pg.Loss, vf.Loss, pg.ApproxKl, pg.ClipFraction, vf.ClipFraction, pg.Ratio, entropy);
            double lossValue = read[0];
            if (!double.IsFinite(lossValue)) return NonFinite(context, step, $"loss is {lossValue}");
            measured++;
            Add("loss", lossValue);
            Add("loss/policy_avg", read[1]);
            Add("loss/value_avg", read[2]);
            Add("policy/approxkl_avg", read[3]);
            Add("policy/clipfrac_avg", read[4]);
            Add("val/clipfrac_avg", read[5]);
            Add("val/ratio", read[6]);
            Add("policy/entropy_avg", read[7]);
            // Target-KL early stopping: this mini-batch's policy is already too far from the rollout's.
            if (PpoMath.StopsEarly(read[3], _o.TargetKl)) { stopped = true; break; }
            loss.backward();
            var norms = context.Update(_groups);
            double gradNorm = Math.Sqrt(norms[0] * norms[0] + norms[1] * norms[1]);
            if (!double.IsFinite(gradNorm)) return NonFinite(context, step, $"gradient norm is {gradNorm} (policy {norms[0]}, value {norms[1]})");
            updates++;
            AddGrad("grad_norm", gradNorm);
            AddGrad("grad_norm/policy", norms[0]);
            AddGrad("grad_norm/value", norms[1]);
        }
        foreach (var (k, v) in sums) metrics[k] = v / measured;
        foreach (var (k, v) in gradSums) metrics[k] = v / updates;
        metrics[UpdatesMetric] = updates;
        metrics[EarlyStoppedMetric] = stopped ? 1 : 0;
        metrics["lr"] = context.LearningRate;
        metrics["episode"] = (double)(step + 1) * B;
        metrics["tokens_per_second"] = rollout.Tokens / Math.Max(1e-9, watch.Elapsed.TotalSeconds);
        return metrics;
    }

    /// <summary>
    /// <see cref="PpoOptions.ValueWarmupRollouts"/> rollouts of the start policy, each fitted by the value model alone
    /// (squared error against its sampled returns, the policy untouched) with an AdamW of its own. Returns the value
    /// loss of the first and of the last update.
    /// </summary>
    private (double First, double Last) WarmUpValueModel(StepContext context)
    {
        var parameters = _groups[1];
        var o = context.Options;
        using var optimizer = optim.AdamW(parameters, o.LearningRate, o.Beta1, o.Beta2, o.AdamEpsilon, o.WeightDecay);
        double first = double.NaN, last = double.NaN;
        for (int w = 0; w < _o.ValueWarmupRollouts; w++)
        {
            using var scope = NewDisposeScope();
            // λ = 1: each state's target is its sampled return, which owes nothing to the value model's own readings.
            var rollout = Rollout(w, context.Sampler.IndicesForStep(w), Common.Seeds.Derive(_seed, w, 3), lambda: 1.0);
            _value.Backbone.train();
            int B = rollout.Responses.Length;
            foreach (var mb in MiniBatches(B, w, salt: 4))
            {
                using var microScope = NewDisposeScope();
                optimizer.zero_grad();
                var rows = tensor(mb.Select(i => (long)i).ToArray(), device: _policy.Device);
                var values = ResponseValues(rollout.Ids.index_select(0, rows), rollout.Mask.index_select(0, rows), rollout.ContextLength, rollout.ResponseWidth);
                // Unclipped: PPO's value clip would hold each reading within ClipRangeValue of the reward model's guess.
                var vfLoss = 0.5 * PpoMath.MaskedMean((values - rollout.Returns.index_select(0, rows)).square(), rollout.ResponseMask.index_select(0, rows));
                double loss = vfLoss.item<float>();
                if (!double.IsFinite(loss)) throw new TrainingException($"{ObjectiveName} value warm-up rollout {w + 1}: the value loss is {loss}");
                if (double.IsNaN(first)) first = loss;
                last = loss;
                vfLoss.backward();
                GradientClipping.ClipGroups([parameters], o.MaxGradNorm);
                optimizer.step();
            }
        }
        _value.Backbone.eval();
        return (first, last);
    }

    /// <summary>
    /// A rollout's rows in mini-batches, NumPpoEpochs passes of NumMiniBatches each, every pass shuffled by the seed, the
    /// step and <paramref name="salt"/> (which keeps the value warm-up's shuffles apart from PPO's).
    /// </summary>
    private IEnumerable<int[]> MiniBatches(int rows, int step, int salt)
    {
        int size = (int)Math.Ceiling((double)rows / _o.NumMiniBatches);
        for (int epoch = 0; epoch < _o.NumPpoEpochs; epoch++)
        {
            var order = Enumerable.Range(0, rows).ToArray();
            Common.Seeds.Random(_seed, step, epoch, salt).Shuffle(order);
            foreach (var mb in order.Chunk(size)) yield return mb;
        }
    }

    private static Dictionary<string, double>? NonFinite(StepContext context, int step, string what) =>
        context.NonFinite(ObjectiveName, step, what, "This update was not applied (earlier mini-batch updates of the step were).",
            "Lower the learning rate, check the reward function");

    /// <summary>A rollout batch: (B, L + W) rows [left-padded prompt | response, right-padded], response-aligned (B, W) tensors.</summary>
    private sealed record RolloutBatch(Tensor Ids, Tensor Mask, int ContextLength, int ResponseWidth, int[][] Responses, Tensor ResponseTokens,
        Tensor ResponseMask, Tensor OldLogp, Tensor OldValues, Tensor Advantages, Tensor Returns, Dictionary<string, double> Metrics, long Tokens);

    private RolloutBatch Rollout(int step, int[] indices) => Rollout(step, indices, Common.Seeds.Derive(_seed, step), _o.Lambda);

    /// <param name="lambda">GAE's λ for this rollout's advantages and returns (the value warm-up fits λ = 1 returns).</param>
    private RolloutBatch Rollout(int step, int[] indices, long sampleSeed, double lambda)
    {
        var prompts = indices.Select(i => _prompts[i]).ToArray();
        _policy.eval();
        _value.Backbone.eval();
        // Each response ends after its first stop token, which stays in it (so the policy is trained to emit it).
        // Sampling ends once every row has stopped: the batch shares one random stream, but each step draws the same
        // amount from it for every row, finished or not, so the tokens up to each stop are those of a full-length run.
        IReadOnlyList<Generated> generated;
        using (Common.PhaseProfile.Measure(Common.PhaseProfile.Phases.Rollouts))
            generated = Generation.Generate(_policy, prompts, new GenerationOptions
            {
                MaxNewTokens = _o.ResponseLength, Temperature = _o.Temperature, Seed = sampleSeed, PadTokenId = _padId,
                StopTokenIds = [.. _stop], KeepStopToken = true,
            });
        var responses = generated.Select(g => g.Tokens).ToArray();
        bool[] ended = generated.Select(g => g.Stopped).ToArray();
        int B = prompts.Length, L = prompts.Max(p => p.Length), W = Math.Max(1, responses.Max(r => r.Length));

        var ids = new long[B, L + W];
        var mask = new long[B, L + W];
        var tokens = new long[B, W];
        var responseMask = new float[B, W];
        for (int b = 0; b < B; b++)
        {
            int offset = L - prompts[b].Length;
            for (int t = 0; t < L + W; t++) ids[b, t] = _padId;
            for (int t = 0; t < prompts[b].Length; t++) { ids[b, offset + t] = prompts[b][t]; mask[b, offset + t] = 1; }
            for (int t = 0; t < W; t++) tokens[b, t] = _padId;
            for (int t = 0; t < responses[b].Length; t++)
            {
                ids[b, L + t] = responses[b][t]; mask[b, L + t] = 1; tokens[b, t] = responses[b][t]; responseMask[b, t] = 1;
            }
        }
        var device = _policy.Device;
        var idsT = tensor(ids, device: device);
        var maskT = tensor(mask, device: device);
        var tokensT = tensor(tokens, device: device);
        var m = tensor(responseMask, device: device);

        var rawScores = _reward.Score(prompts, responses);
        for (int b = 0; b < B; b++)
        {
            if (!double.IsFinite(rawScores[b]))
                throw new TrainingException($"{ObjectiveName} step {step + 1}: the reward function returned {rawScores[b]} for prompt {indices[b]}");
            if (!ended[b] && _o.MissingEosPenalty is { } penalty) rawScores[b] -= penalty;
        }
        if (_o.ShuffleScores) Common.Seeds.Random(_seed, step, 2).Shuffle(rawScores);   // the control: scores no longer follow responses
        var scores = tensor(rawScores.Select(s => (float)s).ToArray(), device: device);

        Tensor oldLogp, refLogp, oldValues;
        using (no_grad())
        {
            oldLogp = PpoMath.TokenLogProbs(ResponseLogits(_policy, idsT, maskT, L, W), tokensT, _o.Temperature) * m;
            refLogp = PpoMath.TokenLogProbs(ResponseLogits(_reference, idsT, maskT, L, W), tokensT, _o.Temperature) * m;
            oldValues = ResponseValues(idsT, maskT, L, W) * m;
        }
        var (rewards, kl) = PpoMath.PerTokenRewards(oldLogp, refLogp, scores, m, _o.KlCoef);
        // Without the value baseline (a control) GAE reads no value; the value model still learns the returns.
        var (advantages, returns) = PpoMath.Gae(rewards, _o.ValueBaseline ? oldValues : zeros_like(oldValues), m, _o.Gamma, lambda);
        advantages = PpoMath.Whiten(advantages, m);

        var klSum = kl.sum(1);                                              // (B)
        var nonScore = -_o.KlCoef * klSum;
        var read = ScalarReads.Read(klSum.mean(), (-oldLogp).sum(1).mean(), nonScore.mean(), (scores + nonScore).mean(), scores.mean(), maskT.sum());
        var metrics = new Dictionary<string, double>
        {
            ["objective/kl"] = read[0],
            ["objective/entropy"] = read[1],
            ["objective/non_score_reward"] = read[2],
            ["objective/rlhf_reward"] = read[3],
            ["objective/scores"] = read[4],
            ["val/num_eos_tokens"] = ended.Count(e => e),
            ["response_length"] = responses.Average(r => r.Length),
        };
        if (_reward is IRewardBreakdown breakdown)
            foreach (var (name, value) in breakdown.LastBreakdown) metrics[name] = value;
        return new RolloutBatch(idsT, maskT, L, W, responses, tokensT, m, oldLogp, oldValues, advantages, returns, metrics, (long)read[5]);
    }

    /// <summary>Logits that predict the W response tokens: positions L−1 … L+W−2 of the row. (B, W, V).</summary>
    private static Tensor ResponseLogits(CausalLM model, Tensor ids, Tensor mask, int L, int W)
    {
        using var scope = NewDisposeScope();
        return model.Forward(ids, mask).narrow(1, L - 1, W).MoveToOuterDisposeScope();
    }

    /// <summary>Value of the state before each response token (read at the position that predicts it), as TRL. (B, W).</summary>
    private Tensor ResponseValues(Tensor ids, Tensor mask, int L, int W)
    {
        using var scope = NewDisposeScope();
        return _value.Values(ids, mask).narrow(1, L - 1, W).MoveToOuterDisposeScope();
    }
}
