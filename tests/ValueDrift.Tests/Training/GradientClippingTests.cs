using TorchSharp.Modules;
using ValueDrift.Training;
using Xunit;
using static TorchSharp.torch;

namespace ValueDrift.Tests.Training;

/// <summary>Clipping per parameter group against gradients worked out by hand.</summary>
[Trait("tier", "fast")]
public class GradientClippingTests
{
    /// <summary>A parameter whose gradient is exactly <paramref name="grad"/> (from the loss Σ p·grad).</summary>
    private static Parameter WithGrad(params float[] grad)
    {
        var p = new Parameter(zeros(grad.Length));
        (p * tensor(grad)).sum().backward();
        return p;
    }

    private static float[] Grad(Parameter p) => p.grad!.data<float>().ToArray();

    [Fact]
    public void Each_group_is_clipped_to_the_norm_on_its_own()
    {
        // policy gradient (3, 4): norm 5 → scaled by 1/5 to (0.6, 0.8); value gradient (0.3, 0.4): norm 0.5, under 1, untouched.
        // Clipped jointly the norm would be √25.25 ≈ 5.025 and the value gradient would shrink to about (0.06, 0.08).
        var policy = WithGrad(3, 4);
        var value = WithGrad(0.3f, 0.4f);
        var norms = GradientClipping.ClipGroups([[policy], [value]], maxNorm: 1.0);
        Assert.Equal(5.0, norms[0], 5);
        Assert.Equal(0.5, norms[1], 5);
        Assert.Equal([0.6f, 0.8f], Grad(policy), (a, b) => Math.Abs(a - b) < 1e-5);
        Assert.Equal([0.3f, 0.4f], Grad(value), (a, b) => Math.Abs(a - b) < 1e-7);
    }

    [Fact]
    public void A_group_norm_spans_all_its_parameters_and_zero_max_only_measures()
    {
        // one group of two parameters: gradients (1, 2) and (2): norm √(1 + 4 + 4) = 3; a group without gradients has norm 0
        var a = WithGrad(1, 2);
        var b = WithGrad(2);
        var none = new Parameter(zeros(3));
        var norms = GradientClipping.ClipGroups([[a, b], [none]], maxNorm: 0);
        Assert.Equal([3.0, 0.0], norms, (x, y) => Math.Abs(x - y) < 1e-6);
        Assert.Equal([1f, 2f], Grad(a));
        Assert.Equal([2f], Grad(b));

        // max 1.5: both parameters scaled by the group's factor 1.5 / 3 = 0.5
        GradientClipping.ClipGroups([[a, b]], maxNorm: 1.5);
        Assert.Equal([0.5f, 1f], Grad(a), (x, y) => Math.Abs(x - y) < 1e-5);
        Assert.Equal([1f], Grad(b), (x, y) => Math.Abs(x - y) < 1e-5);
    }
}
