using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ValueDrift.Models;

#pragma warning disable IDE1006 // field names are Hugging Face / PEFT parameter names

/// <summary>
/// A linear projection y = x·Wᵀ + b that can carry a LoRA adapter: y += scale · B·A·dropout(x), with A (r × in) and
/// B (out × r). The base parameters keep Hugging Face's names (<c>q_proj.weight</c>), the adapter's are PEFT's
/// (<c>q_proj.lora_A.weight</c>, <c>q_proj.lora_B.weight</c>), so both state dicts need no renaming table.
/// </summary>
public sealed class LoraLinear : nn.Module<Tensor, Tensor>
{
    public readonly Parameter weight;    // (out, in)
    public readonly Parameter? bias;     // (out)
    private LoraFactor? lora_A;          // weight (r, in)
    private LoraFactor? lora_B;          // weight (out, r)
    private double _scale, _dropout;
    private LoraDropout? _dropoutSource;

    public long InFeatures { get; }
    public long OutFeatures { get; }

    /// <summary>False while the adapter is switched off (the base model's output, e.g. as DPO's reference).</summary>
    public bool AdapterEnabled { get; set; } = true;
    public bool HasAdapter => lora_A is not null;

    public LoraLinear(long inFeatures, long outFeatures, bool hasBias) : base(nameof(LoraLinear))
    {
        InFeatures = inFeatures; OutFeatures = outFeatures;
        // Same initialisation (and the same draws from the global generator) as nn.Linear, which this replaces.
        weight = new Parameter(empty(outFeatures, inFeatures));
        nn.init.kaiming_uniform_(weight, Math.Sqrt(5));
        if (hasBias)
        {
            double bound = 1 / Math.Sqrt(inFeatures);
            bias = new Parameter(empty(outFeatures));
            nn.init.uniform_(bias, -bound, bound);
        }
        RegisterComponents();
    }

    /// <summary>
    /// Attaches a fresh adapter in the base weight's dtype and device: A ~ U(±1/√in) (PEFT's kaiming_uniform_(a=√5)),
    /// B = 0, so the layer's output is unchanged until B is trained.
    /// </summary>
    internal void Attach(int rank, double scale, double dropout, torch.Generator generator, LoraDropout dropoutSource)
    {
        if (HasAdapter) throw new InvalidOperationException("this projection already carries a LoRA adapter");
        var a = empty(rank, InFeatures, dtype: ScalarType.Float32);
        double bound = 1 / Math.Sqrt(InFeatures);
        using (no_grad()) a.uniform_(-bound, bound, generator);
        lora_A = new LoraFactor(a.to(weight.dtype, weight.device));
        lora_B = new LoraFactor(zeros(OutFeatures, rank, dtype: weight.dtype, device: weight.device));
        register_module(nameof(lora_A), lora_A);
        register_module(nameof(lora_B), lora_B);
        _scale = scale; _dropout = dropout; _dropoutSource = dropoutSource;
    }

    public Parameter LoraA => lora_A?.weight ?? throw new InvalidOperationException("no adapter attached");
    public Parameter LoraB => lora_B?.weight ?? throw new InvalidOperationException("no adapter attached");
    public double Scale => _scale;
    internal bool HasActiveDropout => lora_A is not null && AdapterEnabled && _dropout > 0 && training;
    internal LoraDropout? DropoutSource => _dropoutSource;

    public override Tensor forward(Tensor x)   // (..., in) → (..., out)
    {
        var y = nn.functional.linear(x, weight, bias);
        if (lora_A is null || !AdapterEnabled) return y;
        using var scope = NewDisposeScope();
        var h = _dropout > 0 && training ? _dropoutSource!.Apply(x, _dropout) : x;
        var delta = nn.functional.linear(nn.functional.linear(h, lora_A.weight), lora_B!.weight);   // (..., r) → (..., out)
        return y.add_(delta.mul_(_scale)).MoveToOuterDisposeScope();
    }

    /// <summary>W + scale·B·A in the weight's dtype (the product is formed in float32), or W itself without an adapter.</summary>
    public Tensor MergedWeight()
    {
        if (lora_A is null) return weight;
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var delta = lora_B!.weight.to(ScalarType.Float32).matmul(lora_A.weight.to(ScalarType.Float32)).mul_(_scale);   // (out, in)
        return weight.to(ScalarType.Float32).add(delta).to(weight.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>True for parameter names that belong to an adapter rather than the base model.</summary>
    public static bool IsAdapterParameter(string name) => name.Contains(".lora_A.") || name.Contains(".lora_B.");

    /// <summary>One adapter factor; a module of its own so its parameter is named <c>lora_A.weight</c> as in PEFT.</summary>
    private sealed class LoraFactor : nn.Module
    {
        public readonly Parameter weight;
        public LoraFactor(Tensor value) : base(nameof(LoraFactor))
        {
            weight = new Parameter(value);
            RegisterComponents();
        }
    }
}
