using Microsoft.Extensions.Logging;
using ValueDrift.Common;
using ValueDrift.Data;
using ValueDrift.Errors;
using ValueDrift.Models;
using ValueDrift.Training;
using ValueDrift.Training.Algorithms;

namespace ValueDrift.Experiments;

/// <summary>
/// Checks made before any work: a stage's length limit against the model's context, its memory plan, and its data file
/// read and tokenised exactly as the stage will (schema, every row, truncation). <see cref="StagePlan.Run"/> checks every
/// stage this way before the base model is probed or any stage trains, so a recipe whose second file is unreadable
/// fails in seconds instead of after the first stage.
/// </summary>
public static class StagePreflight
{
    /// <summary>Checks <paramref name="stage"/> as if it started from <paramref name="startModel"/> (for a plan: the base model, whose text tools and shape every stage shares).</summary>
    public static void Check(Stage stage, string startModel, ILogger? log = null)
    {
        var config = StartConfig(startModel);
        CheckContext(stage, config, startModel);
        var inputs = new StageInputs(startModel, config, stage.MaxLength, stage.SkipBadRows, LineLogger.None);
        var lengths = ReadAndCheckMemory(stage, config, startModel, inputs);
        (log ?? LineLogger.None).Line($"preflight: {stage.Name}: {lengths.Rows} rows of {Path.GetFileName(stage.DataPath)} read and tokenized (longest {lengths.Longest} tokens)");
    }

    /// <summary>
    /// Reads and tokenises the stage's data through <paramref name="inputs"/> (which keep the rows for the step), then
    /// checks the memory plan sized by the rows' actual lengths after truncation.
    /// </summary>
    public static SequenceLengths ReadAndCheckMemory(Stage stage, ModelConfig config, string startModel, StageInputs inputs)
    {
        var lengths = stage.Algorithm.ReadRows(inputs, stage.DataPath);
        CheckMemory(stage, config, startModel, inputs.MaxLength, lengths);
        return lengths;
    }

    /// <summary>The start checkpoint's config.json, or its base's for a LoRA adapter folder.</summary>
    public static ModelConfig StartConfig(string startModel)
    {
        var dir = LoraAdapter.IsAdapterFolder(startModel) ? LoraAdapter.ResolveBase(startModel, null) : startModel;
        return ModelConfig.Load(Path.Combine(dir, "config.json"));
    }

    /// <summary>Refuses, before any weight or row is read, a <see cref="Stage.MaxLength"/> beyond the model's context (positions past it were never trained).</summary>
    public static void CheckContext(Stage stage, ModelConfig config, string startModel)
    {
        if (stage.MaxLength is { } max && max > config.MaxPositionEmbeddings)
            throw new ConfigException($"stage '{stage.Name}'", "max_length",
                $"{max} is above the model's max_position_embeddings {config.MaxPositionEmbeddings} ({Path.Combine(startModel, "config.json")}): give --max-length {config.MaxPositionEmbeddings} or less");
    }

    /// <summary>
    /// Refuses, before any weight is loaded, a stage whose memory plan does not fit (docs/scaling.md), naming what
    /// would; sequences are planned at the data's longest row after truncation at <paramref name="maxLength"/>.
    /// </summary>
    public static void CheckMemory(Stage stage, ModelConfig config, string startModel, int maxLength, SequenceLengths lengths)
    {
        long? device = stage.Policy.DeviceMemoryBytes ?? TorchRuntime.KnownDeviceMemoryBytes;
        if (device is null) return;   // LibTorch reports no GPU memory: sized only when the stage gives it
        if (stage.Algorithm.Memory is not { } terms) return;   // an algorithm the plan has no formula for
        var options = new MemoryPlanOptions
        {
            Terms = terms, BatchSize = stage.Training.BatchSize, MaxLength = maxLength, Data = lengths,
            LoraRank = stage.Policy.Lora?.Rank, LoraTargets = stage.Policy.Lora?.Targets ?? LoraConfig.DefaultTargets, Bf16 = stage.Policy.Precision == Precision.Bf16,
            GradientCheckpointing = stage.Policy.GradientCheckpointing,
        };
        MemoryPlan.EnsureFits(config, options, device.Value, Path.GetFileName(Path.TrimEndingDirectorySeparator(startModel)));
    }
}
