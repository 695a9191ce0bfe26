using TorchSharp;
using TorchSharp.Modules;
using ValueDrift.Errors;
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
    /// <summary>The dtype the weights were stored in when loaded from a folder (the default for saving them back); null when created here.</summary>
    public ScalarType? SourceDType { get; internal set; }
    /// <summary>What saving defaults to (a command's <c>--save-dtype</c>): the stored dtype of the source checkpoint, else the compute dtype.</summary>
    public ScalarType DefaultSaveDType => SourceDType ?? DType;
    /// <summary>The folder the base weights were loaded from (an adapter's <c>base_model_name_or_path</c>); null when created here.</summary>
    public string? SourcePath { get; internal set; }
    /// <summary>The attached LoRA adapter's shape, or null for a plain model.</summary>
    public LoraConfig? Lora { get; private set; }

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

    /// <summary>
    /// Loads a Hugging Face folder (config.json + safetensors, single or sharded) in the given compute dtype. A PEFT
    /// adapter folder (adapter_config.json) loads its base — <paramref name="baseDir"/>, else the config's
    /// <c>base_model_name_or_path</c> — and attaches the adapter.
    /// </summary>
    public static CausalLM FromPretrained(string dir, ScalarType dtype = ScalarType.Float32, Device? device = null, string? baseDir = null)
    {
        device ??= TorchRuntime.ComputeDevice;
        using var profile = Common.PhaseProfile.Measure(Common.PhaseProfile.Phases.Checkpoint);
        if (!LoraAdapter.IsAdapterFolder(dir)) return Checkpoint.Load(dir, dtype, device);
        var model = Checkpoint.Load(LoraAdapter.ResolveBase(dir, baseDir), dtype, device);
        try { LoraAdapter.Load(model, dir); }
        catch { model.Dispose(); throw; }
        model.eval();   // as PEFT's inference mode: no adapter dropout until a trainer calls train()
        return model;
    }

    /// <summary>
    /// Saves config.json + safetensors (sharded above <paramref name="maxShardBytes"/>) so the folder loads here and in
    /// transformers. With an adapter attached the saved weights are the merged W + scale·B·A: the folder computes what
    /// this model computes (save the adapter alone with <see cref="SaveAdapter"/>).
    /// </summary>
    public void SavePretrained(string dir, ScalarType? dtype = null, long maxShardBytes = Checkpoint.DefaultMaxShardBytes) =>
        Checkpoint.Save(this, dir, dtype, maxShardBytes);

    /// <summary>
    /// Attaches a fresh LoRA adapter (A Kaiming-uniform from <paramref name="seed"/>, B = 0, so the outputs are
    /// unchanged) to every projection named in <paramref name="config"/>.Targets, and freezes everything else:
    /// <see cref="TrainableParameters"/> becomes the adapter's A and B.
    /// </summary>
    public CausalLM AddLora(LoraConfig config, long seed)
    {
        config = config.Validated();
        if (Lora is not null) throw new ConfigException("LoRA options", "r", "the model already carries a LoRA adapter");
        using var generator = new torch.Generator((ulong)seed);
        var dropout = new LoraDropout(Common.Seeds.Derive(seed, 1));
        var targets = named_modules().Where(m => m.module is LoraLinear && config.Targets.Contains(m.name[(m.name.LastIndexOf('.') + 1)..]))
            .Select(m => (LoraLinear)m.module).ToList();
        foreach (var layer in targets) layer.Attach(config.Rank, config.Scale, config.Dropout, generator, dropout);
        _dropout = dropout;
        foreach (var (name, p) in named_parameters()) p.requires_grad = LoraLinear.IsAdapterParameter(name);
        Lora = config;
        return this;
    }

    private LoraDropout? _dropout;

    /// <summary>
    /// Reseeds the LoRA dropout's private generator. A trainer calls it each step with a seed derived from (run seed,
    /// step), so the masks are a function of the step and a resumed run repeats the uninterrupted one.
    /// </summary>
    public void ReseedDropout(long seed) => _dropout?.Reseed(seed);

    /// <summary>Parameters an optimizer should update: all of them for a plain model, only A and B with an adapter.</summary>
    public IEnumerable<Parameter> TrainableParameters => parameters().Where(p => p.requires_grad);

    /// <summary>
    /// Switches the adapter off until disposed: the model computes its base, as TRL's DPO reference for a PEFT policy
    /// (no second copy in memory). Without an adapter it changes nothing.
    /// </summary>
    public IDisposable DisableAdapters()
    {
        var layers = modules().OfType<LoraLinear>().Where(l => l.HasAdapter && l.AdapterEnabled).ToList();
        foreach (var l in layers) l.AdapterEnabled = false;
        return new Restore(() => { foreach (var l in layers) l.AdapterEnabled = true; });
    }

    private sealed class Restore(Action undo) : IDisposable
    {
        private Action? _undo = undo;
        public void Dispose() { _undo?.Invoke(); _undo = null; }
    }

    /// <summary>Writes the adapter as a PEFT folder; <paramref name="baseModelNameOrPath"/> defaults to the folder the base was loaded from.</summary>
    public void SaveAdapter(string dir, string? baseModelNameOrPath = null) =>
        LoraAdapter.Save(this, dir, baseModelNameOrPath ?? (SourcePath is null ? null : Path.GetFullPath(SourcePath)));

    /// <summary>Attaches the adapter stored in a PEFT folder, checking its names and shapes against this model.</summary>
    public void LoadAdapter(string dir) => LoraAdapter.Load(this, dir);

    /// <summary>
    /// Recompute each decoder layer's activations during backward instead of keeping them (memory ∝ one hidden state
    /// per layer); results are unchanged. Applies to forwards with gradients and without a KV cache.
    /// </summary>
    public bool GradientCheckpointing { get => model.GradientCheckpointing; set => model.GradientCheckpointing = value; }

    /// <summary>(name, tensor) of the base model as saved: adapter parameters left out, adapted weights merged.</summary>
    internal IEnumerable<(string Name, Tensor Tensor)> ExportTensors()
    {
        var adapted = named_modules().Where(m => m.module is LoraLinear { HasAdapter: true })
            .ToDictionary(m => m.name + ".weight", m => (LoraLinear)m.module);
        foreach (var (name, p) in named_parameters())
        {
            if (LoraLinear.IsAdapterParameter(name)) continue;
            yield return adapted.TryGetValue(name, out var l) ? (name, l.MergedWeight()) : (name, p);
        }
    }

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
