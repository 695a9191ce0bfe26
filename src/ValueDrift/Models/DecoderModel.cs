using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ValueDrift.Models;

#pragma warning disable IDE1006 // field names are Hugging Face parameter names

/// <summary>The transformer body (Hugging Face's <c>model.*</c>): token embeddings, decoder layers, final norm.</summary>
public sealed class DecoderModel : nn.Module
{
    internal readonly Embedding embed_tokens;
    private readonly ModuleList<DecoderLayer> layers;
    private readonly RmsNorm norm;
    private readonly RotaryEmbedding _rotary;

    public DecoderModel(ModelConfig c) : base(nameof(DecoderModel))
    {
        embed_tokens = nn.Embedding(c.VocabSize, c.HiddenSize);
        layers = new ModuleList<DecoderLayer>(Enumerable.Range(0, c.NumHiddenLayers).Select(i => new DecoderLayer(c, i)).ToArray());
        norm = new RmsNorm(c.HiddenSize, c.RmsNormEps);
        _rotary = new RotaryEmbedding(c);
        RegisterComponents();
    }

    /// <summary>
    /// (B, T) token ids → (B, T, C) final hidden states.
    /// <paramref name="attentionMask"/> is (B, T_past + T) with 1 for real tokens and 0 for padding (left or right);
    /// positions are counted over real tokens only, so a padded sequence sees the same positions as alone.
    /// Without a mask every token is real and attention is plainly causal (right padding needs no mask for the
    /// logits of real tokens, since they never look ahead at the pads).
    /// </summary>
    public Tensor Forward(Tensor inputIds, Tensor? attentionMask, KvCache? cache)
    {
        using var scope = NewDisposeScope();
        long B = inputIds.shape[0], T = inputIds.shape[1];
        long past = cache?.Length ?? 0, total = past + T;
        var device = inputIds.device;

        Tensor positions;               // (B, T)
        Tensor? mask = null;            // (B, 1, T, total), true = may attend
        if (attentionMask is not null)
        {
            if (attentionMask.shape.Length != 2 || attentionMask.shape[0] != B || attentionMask.shape[1] != total)
                throw new ArgumentException($"attention mask must be (B={B}, T_past+T={total}), got ({string.Join(", ", attentionMask.shape)})");
            var real = attentionMask.to(ScalarType.Int64);
            positions = (real.cumsum(1) - 1).clamp_min(0).narrow(1, past, T);
            var q = arange(past, total, device: device).unsqueeze(1);     // (T, 1)
            var k = arange(total, device: device).unsqueeze(0);           // (1, total)
            var causal = k.le(q);                                          // (T, total)
            // Each query may always see itself, so a padding query never has an empty row (which would give NaN).
            mask = (causal.unsqueeze(0) & real.to(ScalarType.Bool).unsqueeze(1)) | k.eq(q).unsqueeze(0);
            mask = mask.unsqueeze(1);
        }
        else
        {
            positions = arange(past, total, device: device).unsqueeze(0).expand(B, T);
            if (past > 0 && T > 1)  // SDPA's causal flag aligns top-left, wrong once a cache offsets the queries
                mask = arange(total, device: device).unsqueeze(0).le(arange(past, total, device: device).unsqueeze(1)).unsqueeze(0).unsqueeze(0);
        }

        var h = embed_tokens.forward(inputIds);                           // (B, T, C)
        var (cos, sin) = _rotary.Tables(positions, h.dtype);
        bool recompute = GradientCheckpointing && cache is null && is_grad_enabled();
        foreach (var layer in layers)
            h = recompute ? LayerRecomputation.Forward(layer, h, cos, sin, mask) : layer.Forward(h, cos, sin, mask, cache);
        return norm.forward(h).MoveToOuterDisposeScope();
    }

    public int LayerCount => layers.Count;

    /// <summary>Keep only each layer's input during a gradient-enabled forward and recompute the rest in backward.</summary>
    public bool GradientCheckpointing { get; set; }
}
