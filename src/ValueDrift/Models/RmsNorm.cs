using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ValueDrift.Models;

#pragma warning disable IDE1006 // field names are Hugging Face parameter names, so state dicts need no renaming

/// <summary>
/// Root-mean-square layer norm: x / sqrt(mean(x²) + eps) · weight. The statistics are computed in float32 even when
/// the model runs in bf16 (as Llama and Qwen do), then cast back before the weight is applied.
/// </summary>
public sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
    public readonly Parameter weight;
    private readonly double _eps;

    public RmsNorm(long dim, double eps) : base(nameof(RmsNorm))
    {
        weight = new Parameter(ones(dim));
        _eps = eps;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)   // (..., dim) → (..., dim)
    {
        using var scope = NewDisposeScope();
        var x32 = x.to(ScalarType.Float32);
        var normed = x32 * rsqrt(x32.pow(2).mean([-1], keepdim: true) + _eps);
        return (weight * normed.to(x.dtype)).MoveToOuterDisposeScope();
    }
}
