using TorchSharp;
using static TorchSharp.torch;

namespace ValueDrift.Models;

/// <summary>
/// The random source of a model's LoRA dropout: a private generator (the global one is shared with everything else in
/// the process, so draws from it depend on what other threads do), reseeded by the trainer per step
/// (<see cref="CausalLM.ReseedDropout"/>) so a resumed run draws the uninterrupted run's masks, and whose state
/// gradient checkpointing saves and restores around a layer's recomputation.
/// </summary>
internal sealed class LoraDropout
{
    private long _seed;
    private torch.Generator? _generator;

    public LoraDropout(long seed) => _seed = seed;

    public void Reseed(long seed) { _seed = seed; _generator = null; }

    private torch.Generator On(Device device)
    {
        if (_generator is null || _generator.device.type != device.type || _generator.device.index != device.index)
            _generator = new torch.Generator((ulong)_seed, device);
        return _generator;
    }

    /// <summary>Inverted dropout: zeroes each element with probability p and scales the rest by 1/(1 − p).</summary>
    public Tensor Apply(Tensor x, double p)
    {
        using var scope = NewDisposeScope();
        var keep = rand(x.shape, dtype: ScalarType.Float32, device: x.device, generator: On(x.device)).ge_(p);   // (…, in) bool
        return (x * keep.to(x.dtype)).div_(1 - p).MoveToOuterDisposeScope();
    }

    public Tensor State(Device device) => On(device).get_state();
    public void Restore(Device device, Tensor state) => On(device).set_state(state);
}
