using ValueDrift.Training.Ppo;
using Xunit;
using static TorchSharp.torch;

namespace ValueDrift.Tests.Training;

/// <summary>PPO's pure functions against values worked out by hand from the formulas in their doc comments.</summary>
[Trait("tier", "fast")]
public class PpoMathTests
{
    private static Tensor T(float[,] x) => tensor(x);
    private static double[] Row(Tensor t, int b) => t.select(0, b).to(ScalarType.Float64).data<double>().ToArray();

    [Fact]
    public void GaeOnAThreeTokenExample()
    {
        // γ = 0.9, λ = 0.8 (γλ = 0.72). Row 0, all real:
        //   t2: δ = 2 + 0 − 1.5 = 0.5;            A2 = 0.5
        //   t1: δ = 0 + 0.9·1.5 − 1 = 0.35;        A1 = 0.35 + 0.72·0.5 = 0.71
        //   t0: δ = 1 + 0.9·1 − 0.5 = 1.4;         A0 = 1.4 + 0.72·0.71 = 1.9112
        // Row 1 ends after two tokens (its third reward and value must be ignored):
        //   t1: δ = 3 + 0 − 1 = 2;  A1 = 2;   t0: δ = 1 + 0.9·1 − 0.5 = 1.4;  A0 = 1.4 + 0.72·2 = 2.84
        var rewards = T(new float[,] { { 1, 0, 2 }, { 1, 3, 5 } });
        var values = T(new float[,] { { 0.5f, 1, 1.5f }, { 0.5f, 1, 9 } });
        var mask = T(new float[,] { { 1, 1, 1 }, { 1, 1, 0 } });
        var (a, r) = PpoMath.Gae(rewards, values, mask, gamma: 0.9, lambda: 0.8);
        Assert.Equal([1.9112, 0.71, 0.5], Row(a, 0), (x, y) => Math.Abs(x - y) < 1e-5);
        Assert.Equal([2.4112, 1.71, 2.0], Row(r, 0), (x, y) => Math.Abs(x - y) < 1e-5);
        Assert.Equal([2.84, 2.0, 0.0], Row(a, 1), (x, y) => Math.Abs(x - y) < 1e-5);
        Assert.Equal([3.34, 3.0, 0.0], Row(r, 1), (x, y) => Math.Abs(x - y) < 1e-5);
    }

    [Fact]
    public void GaeWithGammaAndLambdaOneIsRewardToGoMinusValue()
    {
        var (a, r) = PpoMath.Gae(T(new float[,] { { 1, 2, 3 } }), T(new float[,] { { 0.25f, 0.5f, 0.75f } }), T(new float[,] { { 1, 1, 1 } }), 1, 1);
        Assert.Equal([6 - 0.25, 5 - 0.5, 3 - 0.75], Row(a, 0), (x, y) => Math.Abs(x - y) < 1e-5);
        Assert.Equal([6.0, 5.0, 3.0], Row(r, 0), (x, y) => Math.Abs(x - y) < 1e-5);
    }

    [Fact]
    public void ClippedPolicyLoss()
    {
        // ρ = 1.5, 0.5, 1.1 with A = 1, −1, 2 and ε = 0.2:
        //   max(−1.5, −1.2) = −1.2 (clipped);  max(0.5, 0.8) = 0.8 (clipped);  max(−2.2, −2.2) = −2.2 (not clipped)
        // The fourth token is masked out and must not count.
        var newLogp = T(new float[,] { { (float)Math.Log(1.5), (float)Math.Log(0.5), (float)Math.Log(1.1), 5f } });
        var oldLogp = zeros(1, 4);
        var adv = T(new float[,] { { 1, -1, 2, 100 } });
        var mask = T(new float[,] { { 1, 1, 1, 0 } });
        var o = PpoMath.PolicyLoss(newLogp, oldLogp, adv, mask, 0.2);
        Assert.Equal(-2.6 / 3, o.Loss.item<float>(), 5);
        Assert.Equal(2.0 / 3, o.ClipFraction.item<float>(), 5);
        double kl = 0.5 * (Math.Pow(Math.Log(1.5), 2) + Math.Pow(Math.Log(0.5), 2) + Math.Pow(Math.Log(1.1), 2)) / 3;
        Assert.Equal(kl, o.ApproxKl.item<float>(), 5);
        Assert.Equal((1.5 + 0.5 + 1.1) / 3, o.Ratio.item<float>(), 5);
    }

    [Fact]
    public void ClippedValueLoss()
    {
        // ε_v = 0.2. Token 0: V 2.0, V_old 1.0, R 1.5 → V^clip 1.2; max(0.25, 0.09) = 0.25 (unclipped larger)
        //            Token 1: V 1.4, V_old 0.5, R 1.5 → V^clip 0.7; max(0.01, 0.64) = 0.64 (clipped larger)
        // L = ½ · (0.25 + 0.64) / 2 = 0.2225; clip fraction 1/2. Token 2 is masked out.
        var o = PpoMath.ValueLoss(T(new float[,] { { 2.0f, 1.4f, 50 } }), T(new float[,] { { 1.0f, 0.5f, 0 } }), T(new float[,] { { 1.5f, 1.5f, -50 } }),
            T(new float[,] { { 1, 1, 0 } }), 0.2);
        Assert.Equal(0.2225, o.Loss.item<float>(), 5);
        Assert.Equal(0.5, o.ClipFraction.item<float>(), 5);
    }

    [Fact]
    public void WhiteningUsesTheMaskedMeanAndUnbiasedVariance()
    {
        // Real values 1, 2, 3: mean 2, unbiased variance ((1 + 0 + 1) / 3) · 3/2 = 1 → −1, 0, 1; the masked 100 → 0.
        var w = PpoMath.Whiten(T(new float[,] { { 1, 2 }, { 3, 100 } }), T(new float[,] { { 1, 1 }, { 1, 0 } }));
        Assert.Equal([-1.0, 0.0], Row(w, 0), (x, y) => Math.Abs(x - y) < 1e-5);
        Assert.Equal([1.0, 0.0], Row(w, 1), (x, y) => Math.Abs(x - y) < 1e-5);
    }

    [Fact]
    public void PerTokenRewardsPenaliseKlAndAddTheScoreOnTheLastRealToken()
    {
        // k1 = logπ − logπ_ref = 0.5, 0, (masked); β_KL = 0.1; score 2 lands on token 1, the last real one.
        var (r, kl) = PpoMath.PerTokenRewards(T(new float[,] { { -1, -2, -3 } }), T(new float[,] { { -1.5f, -2, -2 } }), tensor(new[] { 2f }),
            T(new float[,] { { 1, 1, 0 } }), klCoef: 0.1);
        Assert.Equal([-0.05, 2.0, 0.0], Row(r, 0), (x, y) => Math.Abs(x - y) < 1e-6);
        Assert.Equal([0.5, 0.0, 0.0], Row(kl, 0), (x, y) => Math.Abs(x - y) < 1e-6);
    }

    [Fact]
    public void TokenLogProbsAreTemperatureScaled()
    {
        var logits = tensor(new float[] { 1, 2, 0 }).reshape(1, 1, 3);
        double t = 0.7, z = Math.Log(Math.Exp(1 / t) + Math.Exp(2 / t) + 1);
        var lp = PpoMath.TokenLogProbs(logits, tensor(new long[] { 1 }).reshape(1, 1), t);
        Assert.Equal(2 / t - z, lp.item<float>(), 4);
    }

    [Fact]
    public void TargetKlRuleStopsPastOneAndAHalfTimesTheTarget()
    {
        Assert.Equal(1.5, PpoMath.TargetKlFactor);
        Assert.False(PpoMath.StopsEarly(0.0299, 0.02));     // 1.5 × 0.02 = 0.03
        Assert.True(PpoMath.StopsEarly(0.0301, 0.02));
        Assert.False(PpoMath.StopsEarly(0.0, 0.02));         // the first update of a rollout (approxkl 0) always runs
        Assert.False(PpoMath.StopsEarly(1e9, null));          // no target: never
    }
}
