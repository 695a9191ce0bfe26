using TorchSharp;
using static TorchSharp.torch;

namespace ValueDrift.Models;

#pragma warning disable IDE1006 // field names are Hugging Face parameter names

/// <summary>One pre-norm transformer block: x + attn(norm(x)), then h + mlp(norm(h)).</summary>
public sealed class DecoderLayer : nn.Module
{
    private readonly RmsNorm input_layernorm, post_attention_layernorm;
    private readonly Attention self_attn;
    private readonly Mlp mlp;

    public DecoderLayer(ModelConfig c, int index) : base(nameof(DecoderLayer))
    {
        input_layernorm = new RmsNorm(c.HiddenSize, c.RmsNormEps);
        self_attn = new Attention(c, index);
        post_attention_layernorm = new RmsNorm(c.HiddenSize, c.RmsNormEps);
        mlp = new Mlp(c);
        RegisterComponents();
    }

    /// <summary>The random source this layer's forward draws from (LoRA dropout in training mode), or null.</summary>
    internal LoraDropout? ActiveDropout => training ? modules().OfType<LoraLinear>().FirstOrDefault(l => l.HasActiveDropout)?.DropoutSource : null;

    public Tensor Forward(Tensor x, Tensor cos, Tensor sin, Tensor? mask, KvCache? cache)   // (B, T, C) → (B, T, C)
    {
        using var scope = NewDisposeScope();
        var h = x + self_attn.Forward(input_layernorm.forward(x), cos, sin, mask, cache);
        return (h + mlp.forward(post_attention_layernorm.forward(h))).MoveToOuterDisposeScope();
    }
}
