using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ValueDrift.Models;

#pragma warning disable IDE1006 // field names are Hugging Face parameter names

/// <summary>SwiGLU feed-forward: down(silu(gate(x)) · up(x)).</summary>
public sealed class Mlp : nn.Module<Tensor, Tensor>
{
    private readonly LoraLinear gate_proj, up_proj, down_proj;

    public Mlp(ModelConfig c) : base(nameof(Mlp))
    {
        gate_proj = new LoraLinear(c.HiddenSize, c.IntermediateSize, c.MlpBias);
        up_proj = new LoraLinear(c.HiddenSize, c.IntermediateSize, c.MlpBias);
        down_proj = new LoraLinear(c.IntermediateSize, c.HiddenSize, c.MlpBias);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)   // (B, T, C) → (B, T, C)
    {
        using var scope = NewDisposeScope();
        return down_proj.forward(nn.functional.silu(gate_proj.forward(x)) * up_proj.forward(x)).MoveToOuterDisposeScope();
    }
}
