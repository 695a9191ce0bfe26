using ValueDrift.Models;

namespace ValueDrift.Training;

/// <summary>
/// Loads a stage's policy as its <see cref="PolicyOptions"/> ask: in the compute dtype, with a fresh LoRA adapter
/// (seeded) on the frozen weights, with gradient checkpointing. A start checkpoint that is itself an adapter folder
/// loads with its base; when the stage trains a new adapter, the start adapter is folded into the weights first (a
/// merged copy kept in the stage folder, reused on resume), as one merges an SFT adapter before preference training.
/// </summary>
public static class PolicyLoader
{
    /// <summary>Sub-folder of a stage folder holding the merged start checkpoint, when one was needed.</summary>
    public const string MergedStartFolder = "start-merged";

    public static CausalLM Load(string startModel, PolicyOptions options, long seed, string? stageDirectory)
    {
        var model = CausalLM.FromPretrained(startModel, options.ComputeDType);
        try
        {
            if (options.Lora is { } lora)
            {
                if (model.Lora is not null)
                {
                    var merged = MergedStart(model, startModel, stageDirectory);
                    model.Dispose();
                    model = CausalLM.FromPretrained(merged, options.ComputeDType);
                }
                model.AddLora(lora, Common.Seeds.Derive(seed, 0x10AA));
            }
            model.GradientCheckpointing = options.GradientCheckpointing;
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>W + scale·B·A written once as a plain folder (atomically), with the start's tokenizer files.</summary>
    private static string MergedStart(CausalLM adapted, string startModel, string? stageDirectory)
    {
        var root = stageDirectory ?? Path.Combine(Path.GetTempPath(), "valuedrift-merged-" + Guid.NewGuid().ToString("N")[..8]);
        var dir = Path.Combine(root, MergedStartFolder);
        if (File.Exists(Path.Combine(dir, "config.json"))) return dir;
        var tmp = dir + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        adapted.SavePretrained(tmp, adapted.DType);
        LoraAdapter.CopyTokenizerFiles(startModel, tmp);
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        Directory.Move(tmp, dir);
        return dir;
    }
}
