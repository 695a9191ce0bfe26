using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ValueDrift.Common;
using ValueDrift.Data;
using ValueDrift.Errors;
using ValueDrift.Models;
using ValueDrift.Training.Algorithms;

namespace ValueDrift.Cli.Commands;

/// <summary>
/// <c>valuedrift plan --model DIR --stage dpo --batch-size 4 --max-length 1024 [--lora-rank 16] [--dtype bf16]
/// [--gradient-checkpointing] [--device-memory 141] [--data FILE] [--format json]</c>: the memory a training step
/// needs, from config.json alone (the weights are not read), and whether it fits the device; when it does not, what
/// would. With <c>--data</c> the file is read and tokenised as the stage would (its truncation at --max-length included)
/// and sequences are planned at its longest row, not padded to --max-length.
/// </summary>
public sealed class PlanCommand : ICliCommand
{
    public Command Build(CliIO io)
    {
        var model = new Option<string>("--model") { Description = "model folder or config.json (an adapter folder plans its base with its rank)", Required = true };
        var planned = AlgorithmRegistry.All.Where(a => a.Memory is not null).Select(a => a.Name).ToList();
        var stage = new Option<string>("--stage") { Description = string.Join(" | ", planned), DefaultValueFactory = _ => new Sft().Name };
        var batch = new Option<int>("--batch-size") { Description = "examples (pairs, PPO prompts) per micro-batch", DefaultValueFactory = _ => MemoryPlanOptions.DefaultBatchSize };
        var maxLength = new Option<int>("--max-length") { Description = "tokens per sequence", DefaultValueFactory = _ => MemoryPlanOptions.DefaultMaxLength };
        var rank = new Option<int?>("--lora-rank") { Description = "plan a LoRA run of this rank (default: full fine-tuning)" };
        var targets = new Option<string?>("--lora-targets") { Description = $"LoRA target modules (default: {string.Join(",", LoraConfig.DefaultTargets)})" };
        var dtype = new Option<string>("--dtype") { Description = "fp32 | bf16 (mixed precision)", DefaultValueFactory = _ => "fp32" };
        var checkpointing = new Option<bool>("--gradient-checkpointing") { Description = "recompute layer activations in backward" };
        var liveReference = new Option<bool>("--reference-model") { Description = "dpo: a frozen reference model each step instead of cached log-probs" };
        var deviceMemory = new Option<double?>("--device-memory") { Description = "device memory in GiB (default: this machine's memory on CPU)" };
        var data = new Option<string?>("--data") { Description = "the stage's data file: plan at its longest row after truncation (default: every row at --max-length)" };
        var format = new Option<string>("--format") { Description = "text | json", DefaultValueFactory = _ => "text" };
        var adapterBase = AdapterBaseOption.Create();
        var cmd = new Command("plan", "Estimate a training step's memory from config.json and say whether it fits.")
            { model, stage, batch, maxLength, rank, targets, dtype, checkpointing, liveReference, deviceMemory, data, format, adapterBase };
        cmd.SetAction(r =>
        {
            AdapterBaseOption.Apply(r, adapterBase);
            string dir = r.GetValue(model)!;
            int? loraRank = r.GetValue(rank);
            IReadOnlyList<string> loraTargets = r.GetValue(targets) is { } t ? LoraConfig.ParseTargets(t) : LoraConfig.DefaultTargets;
            if (Directory.Exists(dir) && LoraAdapter.IsAdapterFolder(dir))
            {
                var (adapter, _) = LoraAdapter.ReadConfig(dir);
                loraRank ??= adapter.Rank;
                if (r.GetValue(targets) is null) loraTargets = adapter.Targets;
                dir = LoraAdapter.ResolveBase(dir, null);
            }
            var config = ModelConfig.Load(dir);
            var algorithm = Find(r.GetValue(stage)!);
            var lengths = r.GetValue(data) is { } file ? ReadLengths(algorithm, dir, config, r.GetValue(maxLength), file, io) : null;
            var options = new MemoryPlanOptions
            {
                Terms = algorithm.Memory!, Data = lengths, BatchSize = r.GetValue(batch), MaxLength = r.GetValue(maxLength),
                LoraRank = loraRank, LoraTargets = loraTargets, Bf16 = MemoryPlanOptions.ParseBf16(r.GetValue(dtype)!),
                GradientCheckpointing = r.GetValue(checkpointing), LiveReference = r.GetValue(liveReference),
            };
            long device = r.GetValue(deviceMemory) is { } gib
                ? (gib > 0 && double.IsFinite(gib) ? (long)(gib * (1L << 30)) : throw new ConfigException("--device-memory", "device-memory", $"must be a positive number of GiB, got {gib}"))
                : DeviceBytes();
            var plan = MemoryPlan.For(config, options);
            var refusal = MemoryPlan.Refusal(config, options, device, r.GetValue(model)!);
            switch (r.GetValue(format)!.Trim().ToLowerInvariant())
            {
                case "json": io.Out.WriteLine(ToJson(plan, device, refusal).ToJsonString(new JsonSerializerOptions { WriteIndented = true })); break;
                case "text": WriteText(io.Out, plan, device, refusal); break;
                case var f: throw new ConfigException("--format", "format", $"unknown format '{f}' (text, json)");
            }
            return refusal is null ? 0 : DoesNotFitExitCode;   // scripts can tell a plan that fits from one that does not
        });
        return cmd;
    }

    /// <summary>The method named <paramref name="name"/> with its default settings, when its record has memory terms.</summary>
    private static Algorithm Find(string name) =>
        AlgorithmRegistry.Find(name.Trim().ToLowerInvariant()) is { Memory: not null } a ? a
        : throw new ConfigException("plan options", "stage", $"unknown stage '{name}' ({string.Join(", ", AlgorithmRegistry.All.Where(a => a.Memory is not null).Select(a => a.Name))})");

    /// <summary>
    /// The data file read and tokenised once, as the method's stage reads it from the model folder (its tokenizer and
    /// chat template; rows of token ids need neither): each row's length after truncation at <paramref name="maxLength"/>.
    /// </summary>
    private static SequenceLengths ReadLengths(Algorithm algorithm, string modelDir, ModelConfig config, int maxLength, string file, CliIO io)
    {
        if (!Directory.Exists(modelDir)) modelDir = Path.GetDirectoryName(Path.GetFullPath(modelDir))!;   // --model named config.json
        var inputs = new StageInputs(modelDir, config, maxLength, skipBadRows: false, LineLogger.To(io.Err));
        return algorithm.ReadRows(inputs, file);
    }

    /// <summary>The exit code of a plan that does not fit the device (0: it fits; 2: bad input).</summary>
    public const int DoesNotFitExitCode = 3;

    /// <summary>This machine's memory: LibTorch here reports no GPU memory, so a CUDA device must be sized with --device-memory.</summary>
    private static long DeviceBytes() => TorchRuntime.KnownDeviceMemoryBytes
        ?? throw new ConfigException("--device-memory", "device-memory", "required on a GPU (e.g. --device-memory 80 for an 80 GB card)");

    internal static JsonObject ToJson(MemoryPlan p, long device, string? refusal) => new()
    {
        ["model_type"] = p.Config.ModelType,
        ["stage"] = p.Options.Terms.Method,
        ["batch_size"] = p.Options.BatchSize,
        ["max_length"] = p.Options.MaxLength,
        ["data_rows"] = p.Options.Data?.Rows,
        ["sequence_length"] = p.Options.SequenceLength,
        ["dtype"] = p.Options.DTypeName,
        ["lora_rank"] = p.Options.LoraRank,
        ["lora_targets"] = p.Options.LoraRank is null ? null : new JsonArray(p.Options.LoraTargets.Select(t => (JsonNode)t).ToArray()),
        ["gradient_checkpointing"] = p.Options.GradientCheckpointing,
        ["parameters"] = p.Parameters,
        ["trainable_parameters"] = p.TrainableParameters,
        ["weights_bytes"] = p.WeightsBytes,
        ["gradients_bytes"] = p.GradientsBytes,
        ["optimizer_bytes"] = p.OptimizerBytes,
        ["reference"] = p.Reference,
        ["reference_bytes"] = p.ReferenceBytes,
        ["reward_value_bytes"] = p.RewardValueBytes,
        ["activations_bytes"] = p.ActivationsBytes,
        ["total_bytes"] = p.TotalBytes,
        ["device_bytes"] = device,
        ["fits"] = refusal is null,
        ["refusal"] = refusal,
    };

    private static void WriteText(TextWriter w, MemoryPlan p, long device, string? refusal)
    {
        var o = p.Options;
        if (o.Data is { } d) w.WriteLine($"data: {d.Rows} rows, longest {o.SequenceLength} tokens after truncation at --max-length {o.MaxLength}");
        w.WriteLine($"{o.Terms.Method} · {p.Config.ModelType} · batch {o.BatchSize} × {o.SequenceLength} tokens · {o.DTypeName}" +
                    (o.LoraRank is { } r ? $" · LoRA r={r} ({string.Join(",", o.LoraTargets)})" : " · full fine-tuning") +
                    (o.GradientCheckpointing ? " · gradient checkpointing" : ""));
        w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"parameters          {p.Parameters,16:N0}"));
        w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"trainable           {p.TrainableParameters,16:N0}"));
        foreach (var (name, bytes) in new[] { ("weights", p.WeightsBytes), ("gradients", p.GradientsBytes), ("optimizer state", p.OptimizerBytes),
                     ($"reference ({p.Reference})", p.ReferenceBytes), ("reward + value", p.RewardValueBytes), ("activations", p.ActivationsBytes), ("total", p.TotalBytes) })
            w.WriteLine($"{name,-28}{MemoryPlan.GiB(bytes),14}");
        w.WriteLine($"{"device",-28}{MemoryPlan.GiB(device),14}");
        w.WriteLine(refusal is null ? "fits" : "does not fit: " + refusal);
    }
}
