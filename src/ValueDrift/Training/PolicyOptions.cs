using System.Text.Json.Serialization;
using ValueDrift.Errors;
using ValueDrift.Models;
using static TorchSharp.torch;

namespace ValueDrift.Training;

/// <summary>Compute precision of a stage's policy.</summary>
public enum Precision
{
    /// <summary>float32 weights and compute (the default on CPU).</summary>
    Fp32,
    /// <summary>
    /// bf16 mixed precision as the published recipes run it: the model computes in bf16 (RMSNorm statistics and
    /// log-prob reductions in float32), the optimizer updates float32 master weights (<see cref="MasterWeights"/>).
    /// </summary>
    Bf16,
}

/// <summary>
/// How a stage holds and saves its policy, for models at the paper's size (docs/scaling.md): a LoRA adapter instead
/// of every weight, bf16 mixed precision, gradient checkpointing, the dtype and contents of checkpoints, and the
/// memory the plan is checked against. The defaults are full fine-tuning in float32, as on CPU.
/// </summary>
public sealed record PolicyOptions
{
    /// <summary>Train a LoRA adapter (PEFT's format) on the frozen start checkpoint; null: full fine-tuning.</summary>
    public LoraConfig? Lora { get; init; }

    public Precision Precision { get; init; } = Precision.Fp32;

    /// <summary>Recompute each decoder layer's activations in backward (losses and gradients unchanged).</summary>
    public bool GradientCheckpointing { get; init; }

    /// <summary>
    /// dtype of saved weights ("fp32", "bf16", "fp16"); null: the start checkpoint's. When it is narrower than the
    /// trained weights, checkpoints also keep those weights in float32 (<c>trainable.safetensors</c>) so resume stays exact.
    /// </summary>
    public string? SaveDType { get; init; }

    /// <summary>Keep AdamW's moments in every checkpoint (2× the trained weights). Without them a resumed run restarts the moments from zero.</summary>
    public bool SaveOptimizer { get; init; } = true;

    /// <summary>Memory the training plan must fit, in bytes; null: this machine's memory on CPU (not checked on a GPU unless given).</summary>
    public long? DeviceMemoryBytes { get; init; }

    /// <summary>The dtype the policy computes in (derived from <see cref="Precision"/>; not part of a stage's record).</summary>
    [JsonIgnore]
    public ScalarType ComputeDType => Precision == Precision.Bf16 ? ScalarType.BFloat16 : ScalarType.Float32;

    /// <summary>The requested save dtype, or null for the start checkpoint's (derived from <see cref="SaveDType"/>).</summary>
    [JsonIgnore]
    public ScalarType? SaveScalarType => SaveDType is null ? null : Checkpoint.ParseDType(SaveDType, "policy options", "save_dtype");

    /// <summary>Refuses invalid settings before any work, naming the option.</summary>
    public void Validate(string stage)
    {
        Lora?.Validated($"stage '{stage}' LoRA options");
        _ = SaveScalarType;
        if (DeviceMemoryBytes is <= 0) throw new ConfigException($"stage '{stage}'", "policy.device_memory_bytes", $"must be > 0, got {DeviceMemoryBytes}");
    }
}
