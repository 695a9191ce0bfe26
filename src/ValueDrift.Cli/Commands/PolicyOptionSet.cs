using System.CommandLine;
using ValueDrift.Errors;
using ValueDrift.Models;
using ValueDrift.Training;

namespace ValueDrift.Cli.Commands;

/// <summary>
/// <c>train</c>'s options for models at the paper's size (docs/scaling.md): <c>--lora-rank R --lora-alpha A
/// [--lora-targets …] [--lora-dropout P]</c>, <c>--dtype fp32|bf16</c>, <c>--gradient-checkpointing</c>,
/// <c>--save-dtype</c>, <c>--save-optimizer false</c>, <c>--device-memory GiB</c>; read into <see cref="PolicyOptions"/>,
/// whose defaults (and <see cref="LoraConfig"/>'s) they show.
/// </summary>
public sealed class PolicyOptionSet
{
    private static readonly PolicyOptions Defaults = new();
    private static readonly LoraConfig LoraDefaults = new();
    public readonly Option<int?> LoraRank = new("--lora-rank") { Description = "train a LoRA adapter of this rank instead of every weight (checkpoints are PEFT adapter folders)" };
    public readonly Option<double> LoraAlpha = new("--lora-alpha") { Description = "LoRA scale numerator: the update is (alpha / rank)·B·A", DefaultValueFactory = _ => LoraDefaults.Alpha };
    public readonly Option<string> LoraTargets = new("--lora-targets") { Description = $"comma-separated projections ({string.Join(",", LoraConfig.KnownTargets)})", DefaultValueFactory = _ => string.Join(",", LoraDefaults.Targets) };
    public readonly Option<double> LoraDropout = new("--lora-dropout") { Description = "dropout on the adapter's input", DefaultValueFactory = _ => LoraDefaults.Dropout };
    public readonly Option<string> DType = new("--dtype") { Description = "fp32 | bf16 (mixed precision: float32 master weights and optimizer state)", DefaultValueFactory = _ => Defaults.Precision.ToString().ToLowerInvariant() };
    public readonly Option<bool> GradientCheckpointing = new("--gradient-checkpointing") { Description = "recompute each layer's activations in backward (less memory, same results)" };
    public readonly Option<string?> SaveDType = new("--save-dtype") { Description = "fp32 | bf16 | fp16 for saved weights (default: the start checkpoint's)" };
    public readonly Option<bool> SaveOptimizer = new("--save-optimizer") { Description = "keep AdamW's moments in checkpoints (false: weights only; a resume restarts the moments)", DefaultValueFactory = _ => Defaults.SaveOptimizer };
    public readonly Option<double?> DeviceMemory = new("--device-memory") { Description = "GiB the training plan must fit (default: this machine's memory on CPU)" };

    public void Add(Command c)
    {
        foreach (Option o in new Option[] { LoraRank, LoraAlpha, LoraTargets, LoraDropout, DType, GradientCheckpointing, SaveDType, SaveOptimizer, DeviceMemory })
            c.Options.Add(o);
    }

    public PolicyOptions Read(ParseResult r) => Defaults with
    {
        Lora = r.GetValue(LoraRank) is { } rank
            ? new LoraConfig { Rank = rank, Alpha = r.GetValue(LoraAlpha), Dropout = r.GetValue(LoraDropout), Targets = LoraConfig.ParseTargets(r.GetValue(LoraTargets)!) }.Validated("--lora-*")
            : null,
        Precision = r.GetValue(DType)!.Trim().ToLowerInvariant() switch
        {
            "fp32" or "float32" => Precision.Fp32,
            "bf16" or "bfloat16" => Precision.Bf16,
            var s => throw new ValueDriftException($"--dtype: unknown precision '{s}' (fp32, bf16)"),
        },
        GradientCheckpointing = r.GetValue(GradientCheckpointing),
        SaveDType = r.GetValue(SaveDType),
        SaveOptimizer = r.GetValue(SaveOptimizer),
        DeviceMemoryBytes = r.GetValue(DeviceMemory) is { } gib
            ? (gib > 0 && double.IsFinite(gib) ? (long)(gib * (1L << 30)) : throw new ValueDriftException($"--device-memory must be a positive number of GiB, got {gib}"))
            : null,
    };
}
