using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.autograd;

namespace ValueDrift.Models;

/// <summary>
/// Gradient checkpointing of one decoder layer, as a custom autograd function (TorchSharp has no
/// torch.utils.checkpoint): the forward runs the layer without building a graph and keeps only its input; the
/// backward runs the layer again with gradients and back-propagates the incoming gradient through it, which
/// accumulates the layer's parameter gradients exactly as the plain forward would, and returns the input's gradient.
/// The LoRA dropout generator's state is restored for the recomputation, so dropout draws the same masks.
/// </summary>
internal sealed class LayerRecomputation : SingleTensorFunction<LayerRecomputation>
{
    public override string Name => nameof(LayerRecomputation);

    /// <param name="x">(B, T, C) hidden states entering the layer</param>
    /// <returns>(B, T, C) the layer's output, whose backward recomputes the layer</returns>
    public static Tensor Forward(DecoderLayer layer, Tensor x, Tensor cos, Tensor sin, Tensor? mask)
    {
        // The function joins the graph only when an input requires grad. With a frozen embedding (LoRA) the first
        // hidden state does not, and the adapters inside the layer would get no gradient: make it a leaf that does
        // (transformers' enable_input_require_grads does the same).
        if (!x.requires_grad) x = x.detach().requires_grad_(true);
        return apply(x, cos, sin, mask, layer);
    }

    public override Tensor forward(AutogradContext ctx, params object[] vars)
    {
        var (x, cos, sin, mask, layer) = ((Tensor)vars[0], (Tensor)vars[1], (Tensor)vars[2], vars[3] as Tensor, (DecoderLayer)vars[4]);
        ctx.save_for_backward([x, cos, sin, mask!]);
        ctx.save_data("layer", layer);
        if (layer.ActiveDropout is { } dropout)   // the state outlives the forward's scope
            ctx.save_data("rng", new RngState(dropout, x.device, dropout.State(x.device).DetachFromDisposeScope()));
        return layer.Forward(x, cos, sin, mask, null);   // runs under no_grad: nothing inside the layer is kept
    }

    public override List<Tensor> backward(AutogradContext ctx, Tensor gradOutput)
    {
        var saved = ctx.get_saved_variables();
        var layer = (DecoderLayer)ctx.get_data("layer");
        using var scope = NewDisposeScope();
        var rng = ctx.get_data("rng") as RngState;
        var rngNow = rng?.Source.State(rng.Device);
        if (rng is not null) rng.Source.Restore(rng.Device, rng.State);
        Tensor gradInput;
        try
        {
            using var _ = enable_grad();
            var x = saved[0].detach().requires_grad_(true);
            var y = layer.Forward(x, saved[1], saved[2], saved[3], null);
            y.backward([gradOutput]);   // a nested backward through this layer's graph only
            gradInput = x.grad!;
        }
        finally { if (rng is not null) rng.Source.Restore(rng.Device, rngNow!); }
        // One gradient per argument of apply: x, then none for cos, sin, mask and the layer.
        return [gradInput.MoveToOuterDisposeScope(), null!, null!, null!, null!];
    }

    /// <summary>The dropout generator's state before the forward (a holder: the context keeps tensors only as graph inputs).</summary>
    private sealed record RngState(LoraDropout Source, Device Device, Tensor State);
}
