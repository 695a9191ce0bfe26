using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ValueDrift.Models;

#pragma warning disable IDE1006 // field names are Hugging Face parameter names

/// <summary>
/// A Llama-3 or Qwen3 decoder-only language model whose parameter names equal Hugging Face's
/// (<c>model.layers.0.self_attn.q_proj.weight</c>, <c>lm_head.weight</c>, ...), so a safetensors state dict loads
/// without a renaming table. With a tied head the output projection reuses the token embedding matrix.
/// </summary>
public sealed class CausalLM : nn.Module
{
    private readonly DecoderModel model;
    private readonly Linear? lm_head;

    public ModelConfig Config { get; }
    public ScalarType DType { get; private set; } = ScalarType.Float32;
    public Device Device { get; private set; } = CPU;

    static CausalLM() => TorchRuntime.EnsureInitialized();

    public CausalLM(ModelConfig config) : base(nameof(CausalLM))
    {
        Config = config;
        model = new DecoderModel(config);
        if (!config.TieWordEmbeddings) lm_head = nn.Linear(config.HiddenSize, config.VocabSize, hasBias: false);
        RegisterComponents();
    }

    /// <summary>A freshly initialised model (weights ~ N(0, 0.02), norms 1), reproducible from <paramref name="seed"/>.</summary>
    public static CausalLM Create(ModelConfig config, long seed, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        var m = new CausalLM(config);
        // A private generator: the global one is shared by everything in the process (other models, other threads).
        using var generator = new torch.Generator((ulong)seed);
        using (no_grad())
            foreach (var (name, p) in m.named_parameters())
                if (!name.EndsWith("norm.weight")) p.normal_(0.0, 0.02, generator);   // (nn.init.normal_ ignores its generator in TorchSharp 0.107)
        return m.To(dtype, device ?? CPU);
    }

    /// <summary>Loads a Hugging Face folder (config.json + safetensors, single or sharded) in the given compute dtype.</summary>
    public static CausalLM FromPretrained(string dir, ScalarType dtype = ScalarType.Float32, Device? device = null) =>
        Checkpoint.Load(dir, dtype, device ?? CPU);

    /// <summary>Saves config.json + safetensors (sharded above <paramref name="maxShardBytes"/>) so the folder loads here and in transformers.</summary>
    public void SavePretrained(string dir, ScalarType? dtype = null, long maxShardBytes = Checkpoint.DefaultMaxShardBytes) =>
        Checkpoint.Save(this, dir, dtype, maxShardBytes);

    public CausalLM To(ScalarType dtype, Device device)
    {
        this.to(dtype).to(device);
        DType = dtype; Device = device;
        return this;
    }

    public int LayerCount => model.LayerCount;

    /// <summary>(B, T) ids → (B, T, C) final hidden states in the compute dtype. See <see cref="DecoderModel.Forward"/> for the mask.</summary>
    public Tensor Hidden(Tensor inputIds, Tensor? attentionMask = null, KvCache? cache = null) =>
        model.Forward(inputIds, attentionMask, cache);

    /// <summary>(…, C) hidden states → (…, V) logits in float32: log-probabilities downstream are always float32.</summary>
    public Tensor Head(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        var logits = lm_head is not null ? lm_head.forward(hidden) : nn.functional.linear(hidden, model.embed_tokens.weight!);
        return logits.to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <summary>(B, T) ids → (B, T, V) float32 logits.</summary>
    public Tensor Forward(Tensor inputIds, Tensor? attentionMask = null, KvCache? cache = null)
    {
        using var scope = NewDisposeScope();
        return Head(Hidden(inputIds, attentionMask, cache)).MoveToOuterDisposeScope();
    }

    /// <summary>Parameter count (tied weights counted once).</summary>
    public long ParameterCount => parameters().Sum(p => p.numel());
}
