using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ValueDrift.Models;

/// <summary>
/// bf16 mixed precision as the published recipes do it: the model holds and computes in bf16 (RMSNorm statistics
/// and logits are float32 inside the model), while the optimizer updates float32 master copies of the trainable
/// parameters, so updates smaller than bf16's resolution (≈0.4% of a weight) still accumulate. One step:
/// zero the model's gradients → forward and backward on the model → <see cref="GradientsToMaster"/> → clip and
/// optimizer step on <see cref="Parameters"/> → <see cref="MasterToModel"/>. AdamW's moments live with the master
/// copies, so they are float32 too. Checkpoints that must resume exactly save <see cref="Named"/> (float32).
/// </summary>
public sealed class MasterWeights : IDisposable
{
    private readonly List<(string Name, Parameter Model, Parameter Master)> _pairs;

    /// <param name="model">a model already in its compute dtype (e.g. bf16); its trainable parameters get masters</param>
    public MasterWeights(CausalLM model)
    {
        var trainable = model.named_parameters().Where(p => p.parameter.requires_grad).ToList();
        _pairs = trainable.Select(p => (p.name, p.parameter, new Parameter(p.parameter.detach().to(ScalarType.Float32).clone()))).ToList();
    }

    /// <summary>The float32 parameters to hand to the optimizer (and to gradient clipping).</summary>
    public IEnumerable<Parameter> Parameters => _pairs.Select(p => p.Master);

    /// <summary>(name, float32 master) in the model's parameter order.</summary>
    public IEnumerable<(string Name, Parameter Master)> Named => _pairs.Select(p => (p.Name, p.Master));

    /// <summary>Moves the model's gradients, as float32, onto the masters and clears the model's.</summary>
    public void GradientsToMaster()
    {
        foreach (var (_, model, master) in _pairs)
        {
            var g = model.grad;
            master.grad = g is null ? null : g.detach().to(ScalarType.Float32);
            model.grad = null;
        }
    }

    /// <summary>Clears the model's own gradients (the optimizer clears the masters').</summary>
    public void ZeroModelGradients()
    {
        foreach (var (_, model, _) in _pairs) model.grad = null;
    }

    /// <summary>Copies the updated masters back into the model, rounded to its dtype.</summary>
    public void MasterToModel()
    {
        using var _ = no_grad();
        foreach (var (_, model, master) in _pairs) model.copy_(master);
    }

    /// <summary>Sets the masters from the model (after the model's weights were replaced, e.g. on resume).</summary>
    public void ModelToMaster()
    {
        using var _ = no_grad();
        foreach (var (_, model, master) in _pairs) master.copy_(model);
    }

    public void Dispose()
    {
        foreach (var (_, _, master) in _pairs) master.Dispose();
    }
}
