using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ValueDrift.Training;

/// <summary>
/// Gradient-norm clipping over parameter groups, each group clipped on its own: the group's gradients are scaled by
/// min(1, maxNorm / ‖g‖₂) where ‖g‖₂ is the L2 norm over all the group's gradients together. PPO clips its policy
/// and its value model as two groups, so a large value-loss gradient cannot shrink the policy's update (clipping
/// them jointly, as one group, couples the two).
/// </summary>
public static class GradientClipping
{
    /// <summary>
    /// Clips each group to <paramref name="maxNorm"/> (0: measures only) and returns each group's norm before
    /// clipping, in group order. Parameters without a gradient count as zero.
    /// </summary>
    public static double[] ClipGroups(IReadOnlyList<IReadOnlyList<Parameter>> groups, double maxNorm)
    {
        var norms = new double[groups.Count];
        for (int i = 0; i < groups.Count; i++)
        {
            var withGrad = groups[i].Where(p => p.grad is not null).ToList();
            if (withGrad.Count == 0) continue;
            norms[i] = maxNorm > 0
                ? nn.utils.clip_grad_norm_(withGrad, maxNorm)
                : Norm(withGrad);
        }
        return norms;
    }

    private static double Norm(IEnumerable<Parameter> parameters)
    {
        using var scope = NewDisposeScope();
        // Σ over parameters of Σ g², summed on the device and read once.
        return Math.Sqrt(stack(parameters.Select(p => p.grad!.to(ScalarType.Float64).pow(2).sum()).ToArray()).sum().item<double>());
    }
}
