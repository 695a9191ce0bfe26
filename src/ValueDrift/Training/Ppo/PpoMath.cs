using TorchSharp;
using static TorchSharp.torch;

namespace ValueDrift.Training.Ppo;

/// <summary>Outputs of the clipped policy loss (all scalars).</summary>
/// <param name="Loss">Scalar, masked mean over response tokens.</param>
/// <param name="ClipFraction">Share of tokens whose clipped term was the larger (policy/clipfrac).</param>
/// <param name="ApproxKl">½ · masked mean of (log π_new − log π_old)² (policy/approxkl).</param>
/// <param name="Ratio">Masked mean of ρ (val/ratio).</param>
public sealed record PolicyLossOutput(Tensor Loss, Tensor ClipFraction, Tensor ApproxKl, Tensor Ratio);

/// <param name="Loss">Scalar, ½ · masked mean of the larger squared error.</param>
/// <param name="ClipFraction">Share of tokens whose clipped error was the larger (val/clipfrac).</param>
public sealed record ValueLossOutput(Tensor Loss, Tensor ClipFraction);

/// <summary>
/// The pure parts of PPO (Schulman et al., 2017; TRL's PPOv2), over response-aligned (B, R) tensors whose
/// <c>mask</c> is 1 on real response tokens (the stop token included) and 0 after the end. Every function returns new
/// tensors and leaves its inputs alone.
/// </summary>
public static class PpoMath
{
    /// <summary>Σ(x·m) / Σm.</summary>
    public static Tensor MaskedMean(Tensor x, Tensor mask) => (x * mask).sum() / mask.sum();

    /// <summary>
    /// Masked whitening: (x − μ) / sqrt(σ² + 1e-8), with μ the masked mean and σ² the masked variance with Bessel's
    /// correction n/(n−1) (as TRL's masked_var). Positions outside the mask are set to 0.
    /// </summary>
    public static Tensor Whiten(Tensor x, Tensor mask)
    {
        using var scope = NewDisposeScope();
        var mean = MaskedMean(x, mask);
        var centered = x - mean;
        var n = mask.sum();
        var variance = MaskedMean(centered * centered, mask) * n / (n - 1).clamp_min(1);
        return (centered * (variance + 1e-8).rsqrt() * mask).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// log π(y_t | ·) of the sampled tokens under temperature-scaled logits, log softmax(ℓ_t / (T + 1e-7))[y_t] —
    /// the distribution the tokens were sampled from (TRL's scaling).
    /// </summary>
    /// <param name="logits">(B, R, V): the logits that predict each response token (position t−1 of the full row).</param>
    /// <param name="tokens">(B, R) int64 response tokens.</param>
    public static Tensor TokenLogProbs(Tensor logits, Tensor tokens, double temperature)
    {
        using var scope = NewDisposeScope();
        var l = logits.to(ScalarType.Float32) / (temperature + 1e-7);
        return (l.gather(-1, tokens.unsqueeze(-1)).squeeze(-1) - l.logsumexp(-1)).MoveToOuterDisposeScope();
    }

    /// <summary>Entropy of each position's (temperature-scaled) distribution: H = logsumexp(ℓ) − Σ softmax(ℓ)·ℓ. (B, R, V) → (B, R).</summary>
    public static Tensor Entropy(Tensor logits, double temperature)
    {
        using var scope = NewDisposeScope();
        var l = logits.to(ScalarType.Float32) / (temperature + 1e-7);
        return (l.logsumexp(-1) - (l.softmax(-1) * l).sum(-1)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Per-token rewards: r_t = −β_KL · k_t on every response token, with the k1 estimator k_t = log π(y_t) − log π_ref(y_t),
    /// plus the sequence's score on its last response token. Returns (rewards, k) both (B, R), zero outside the mask.
    /// (TRL puts the score one position after the last token, into the padding; we keep it on the last token, so
    /// no value is read beyond the response.)
    /// </summary>
    public static (Tensor Rewards, Tensor Kl) PerTokenRewards(Tensor logp, Tensor refLogp, Tensor scores, Tensor mask, double klCoef)
    {
        using var scope = NewDisposeScope();
        var kl = (logp - refLogp) * mask;                                             // (B, R)
        var lastIndex = (mask.sum(1) - 1).clamp_min(0).to(ScalarType.Int64);          // (B)
        var isLast = arange(mask.shape[1], device: mask.device).unsqueeze(0).eq(lastIndex.unsqueeze(1)).to(ScalarType.Float32);
        var rewards = -klCoef * kl + scores.to(ScalarType.Float32).unsqueeze(1) * isLast * mask;
        return (rewards.MoveToOuterDisposeScope(), kl.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Generalised advantage estimation (Schulman et al., 2016), backwards over the response:
    /// δ_t = r_t + γ V_{t+1} − V_t (V past the end = 0), A_t = δ_t + γλ A_{t+1}; returns R_t = A_t + V_t.
    /// Values and rewards outside the mask count as 0, so the end of each response is its terminal state.
    /// </summary>
    public static (Tensor Advantages, Tensor Returns) Gae(Tensor rewards, Tensor values, Tensor mask, double gamma, double lambda)
    {
        using var scope = NewDisposeScope();
        long R = rewards.shape[1];
        var r = rewards * mask;
        var v = values * mask;
        var columns = new Tensor[R];
        var next = zeros_like(v.select(1, 0));
        var nextValue = zeros_like(next);
        for (long t = R - 1; t >= 0; t--)
        {
            var delta = r.select(1, t) + gamma * nextValue - v.select(1, t);
            next = delta + gamma * lambda * next;
            columns[t] = next;
            nextValue = v.select(1, t);
        }
        var advantages = stack(columns, 1) * mask;
        var returns = advantages + v;
        return (advantages.MoveToOuterDisposeScope(), returns.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Clipped surrogate: ρ_t = exp(log π_new − log π_old), L = masked mean of max(−A_t ρ_t, −A_t clip(ρ_t, 1 − ε, 1 + ε)).
    /// </summary>
    public static PolicyLossOutput PolicyLoss(Tensor newLogp, Tensor oldLogp, Tensor advantages, Tensor mask, double clipRange)
    {
        using var scope = NewDisposeScope();
        var diff = newLogp - oldLogp;
        var ratio = diff.exp();
        var unclipped = -advantages * ratio;
        var clipped = -advantages * ratio.clamp(1 - clipRange, 1 + clipRange);
        var loss = MaskedMean(maximum(unclipped, clipped), mask);
        var clipFraction = MaskedMean(clipped.gt(unclipped).to(ScalarType.Float32), mask);
        var approxKl = 0.5 * MaskedMean(diff * diff, mask);
        var meanRatio = MaskedMean(ratio, mask);
        return new PolicyLossOutput(loss.MoveToOuterDisposeScope(), clipFraction.detach().MoveToOuterDisposeScope(),
            approxKl.detach().MoveToOuterDisposeScope(), meanRatio.detach().MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Clipped value loss: V^clip = V_old + clip(V − V_old, −ε_v, ε_v), L = ½ · masked mean of max((V − R)², (V^clip − R)²).
    /// </summary>
    public static ValueLossOutput ValueLoss(Tensor values, Tensor oldValues, Tensor returns, Tensor mask, double clipRangeValue)
    {
        using var scope = NewDisposeScope();
        var clippedValues = oldValues + (values - oldValues).clamp(-clipRangeValue, clipRangeValue);
        var unclipped = (values - returns).pow(2);
        var clipped = (clippedValues - returns).pow(2);
        var loss = 0.5 * MaskedMean(maximum(unclipped, clipped), mask);
        var clipFraction = MaskedMean(clipped.gt(unclipped).to(ScalarType.Float32), mask);
        return new ValueLossOutput(loss.MoveToOuterDisposeScope(), clipFraction.detach().MoveToOuterDisposeScope());
    }

    /// <summary>Multiple of the target KL past which <see cref="StopsEarly"/> stops (1.5 in Spinning Up, stable-baselines3 and TRL's earlier PPOTrainer).</summary>
    public const double TargetKlFactor = 1.5;

    /// <summary>
    /// Target-KL early stopping: true when a mini-batch whose policy/approxkl, measured before its update, is
    /// <paramref name="approxKl"/> must not be updated, and the rollout's remaining updates are skipped —
    /// approxkl &gt; <see cref="TargetKlFactor"/> × <paramref name="targetKl"/>. Never with no target.
    /// </summary>
    public static bool StopsEarly(double approxKl, double? targetKl) => targetKl is { } target && approxKl > TargetKlFactor * target;
}
