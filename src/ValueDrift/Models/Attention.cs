using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ValueDrift.Models;

#pragma warning disable IDE1006 // field names are Hugging Face parameter names

/// <summary>
/// Grouped-query causal self-attention. n_heads query heads share n_kv_heads key/value heads (each kv head serves
/// n_heads / n_kv_heads query heads). Qwen3 normalises each head's q and k with RMSNorm before the rotation.
/// </summary>
public sealed class Attention : nn.Module
{
    private readonly LoraLinear q_proj, k_proj, v_proj, o_proj;
    private readonly RmsNorm? q_norm, k_norm;
    private readonly int _heads, _kvHeads, _headDim, _layer;

    public Attention(ModelConfig c, int layer) : base(nameof(Attention))
    {
        _heads = c.NumAttentionHeads; _kvHeads = c.NumKeyValueHeads; _headDim = c.HeadDim; _layer = layer;
        q_proj = new LoraLinear(c.HiddenSize, _heads * _headDim, c.AttentionBias);
        k_proj = new LoraLinear(c.HiddenSize, _kvHeads * _headDim, c.AttentionBias);
        v_proj = new LoraLinear(c.HiddenSize, _kvHeads * _headDim, c.AttentionBias);
        o_proj = new LoraLinear(_heads * _headDim, c.HiddenSize, c.AttentionBias);
        if (c.HasQkNorm) { q_norm = new RmsNorm(_headDim, c.RmsNormEps); k_norm = new RmsNorm(_headDim, c.RmsNormEps); }
        RegisterComponents();
    }

    /// <param name="x">(B, T, C)</param>
    /// <param name="cos">(B, 1, T, D) rotary table</param>
    /// <param name="sin">(B, 1, T, D) rotary table</param>
    /// <param name="mask">(B, 1, T, T_total) boolean, true = may attend; null = plain causal over T</param>
    /// <param name="cache">keys/values of earlier positions, extended in place</param>
    /// <returns>(B, T, C)</returns>
    public Tensor Forward(Tensor x, Tensor cos, Tensor sin, Tensor? mask, KvCache? cache)
    {
        using var scope = NewDisposeScope();
        long B = x.shape[0], T = x.shape[1];
        var q = q_proj.forward(x).view(B, T, _heads, _headDim);      // (B, T, H, D)
        var k = k_proj.forward(x).view(B, T, _kvHeads, _headDim);    // (B, T, Hkv, D)
        var v = v_proj.forward(x).view(B, T, _kvHeads, _headDim);
        if (q_norm is not null) { q = q_norm.forward(q); k = k_norm!.forward(k); }
        q = RotaryEmbedding.Apply(q.transpose(1, 2), cos, sin);     // (B, H, T, D)
        k = RotaryEmbedding.Apply(k.transpose(1, 2), cos, sin);     // (B, Hkv, T, D)
        v = v.transpose(1, 2);
        if (cache is not null) (k, v) = cache.Update(_layer, k, v); // (B, Hkv, T_total, D)
        Tensor y;
        if (_kvHeads != _heads && T == 1)
        {
            // Decoding one token: the rep query heads that share a kv head attend as rep query rows of that head, so
            // the cached history is read in place rather than copied rep times per layer and token.
            long rep = _heads / _kvHeads;
            var grouped = q.reshape(B, _kvHeads, rep, _headDim);    // (B, Hkv, rep, D); head h = kv·rep + r
            y = nn.functional.scaled_dot_product_attention(grouped, k, v, mask, 0.0, is_casual: false);
            y = y.reshape(B, _heads, 1, _headDim);                  // (B, H, 1, D)
        }
        else
        {
            if (_kvHeads != _heads)
            {
                long rep = _heads / _kvHeads;
                k = k.repeat_interleave(rep, dim: 1);               // (B, H, T_total, D)
                v = v.repeat_interleave(rep, dim: 1);
            }
            y = nn.functional.scaled_dot_product_attention(q, k, v, mask, 0.0, is_casual: mask is null && T > 1);
        }
        y = y.transpose(1, 2).reshape(B, T, _heads * _headDim);     // (B, T, H·D)
        return o_proj.forward(y).MoveToOuterDisposeScope();
    }
}
