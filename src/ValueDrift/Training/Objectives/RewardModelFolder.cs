using System.Text.Json;
using System.Text.Json.Nodes;
using ValueDrift.Errors;
using ValueDrift.Models;
using static TorchSharp.torch;

namespace ValueDrift.Training.Objectives;

/// <summary>
/// A reward model folder in transformers' sequence-classification form (<c>LlamaForSequenceClassification</c>,
/// <c>Qwen3ForSequenceClassification</c>): reading and writing its config and weights for <see cref="RewardModel"/>.
/// </summary>
internal static class RewardModelFolder
{
    private const string Suffix = "ForSequenceClassification";

    /// <summary>Whether the folder's config names a sequence-classification architecture, or its weights hold <c>score.weight</c> without an older-form head file.</summary>
    public static bool IsSequenceClassification(string dir)
    {
        if (Architectures(dir).Any(a => a.EndsWith(Suffix, StringComparison.Ordinal))) return true;
        if (File.Exists(Path.Combine(dir, RewardModel.HeadFile))) return false;
        var single = Path.Combine(dir, Checkpoint.SingleFile);
        var index = Path.Combine(dir, Checkpoint.IndexFile);
        return (File.Exists(single) || File.Exists(index)) && Checkpoint.OpenWeights(dir).Any(f => f.Entries.ContainsKey(RewardModel.HeadTensor));
    }

    /// <summary>The config, after checking that the classifier has exactly one label (a scalar reward).</summary>
    public static ModelConfig CheckConfig(string dir)
    {
        var file = Path.Combine(dir, "config.json");
        var config = ModelConfig.Load(file);
        if (Json(dir) is { } o)
        {
            var labels = o["num_labels"] is JsonValue n && n.TryGetValue<int>(out var k) ? k
                : o["id2label"] is JsonObject map ? map.Count : 1;
            if (labels != 1)
                throw new CheckpointException(file, null, $"num_labels is {labels}: a reward model has one output (a scalar reward)");
        }
        return config;
    }

    /// <summary>
    /// Copies the backbone and head weights of the folder into <paramref name="backbone"/> and <paramref name="head"/>,
    /// checking presence and shape. A missing <c>lm_head.weight</c> is allowed (transformers' classifiers have none; a
    /// reward never reads it), and so is an extra one.
    /// </summary>
    public static void LoadWeights(string dir, CausalLM backbone, TorchSharp.Modules.Parameter head)
    {
        var sources = Checkpoint.OpenWeights(dir);
        var expected = backbone.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var found = new Dictionary<string, SafetensorsFile>();
        foreach (var f in sources)
            foreach (var name in f.Entries.Keys)
            {
                if (name.EndsWith(".rotary_emb.inv_freq", StringComparison.Ordinal) || name == "lm_head.weight" && !expected.ContainsKey(name)) continue;
                if (name != RewardModel.HeadTensor && !expected.ContainsKey(name))
                    throw new CheckpointException(f.Path, name, $"unexpected tensor: a {backbone.Config.ModelType} reward model with this config.json has no such parameter");
                if (!found.TryAdd(name, f)) throw new CheckpointException(f.Path, name, $"tensor also present in {found[name].Path}");
            }
        if (!found.ContainsKey(RewardModel.HeadTensor))
            throw new CheckpointException(sources[0].Path, RewardModel.HeadTensor, "missing: the folder has no reward head");
        using (no_grad())
        {
            foreach (var (name, p) in expected)
            {
                if (!found.TryGetValue(name, out var f))
                {
                    if (name == "lm_head.weight") continue;
                    throw new CheckpointException(sources[0].Path, name, "missing tensor required by config.json");
                }
                Copy(f, name, p);
            }
            Copy(found[RewardModel.HeadTensor], RewardModel.HeadTensor, head);
        }
    }

    /// <summary>Reads only the head from the folder's weights.</summary>
    public static void LoadHead(string dir, TorchSharp.Modules.Parameter head)
    {
        var sources = Checkpoint.OpenWeights(dir);
        var f = sources.FirstOrDefault(s => s.Entries.ContainsKey(RewardModel.HeadTensor))
            ?? throw new CheckpointException(sources[0].Path, RewardModel.HeadTensor, "missing: the reward/value head is not in this checkpoint");
        using (no_grad()) Copy(f, RewardModel.HeadTensor, head);
    }

    private static void Copy(SafetensorsFile f, string name, Tensor into)
    {
        var entry = f.Entries[name];
        if (!entry.Shape.SequenceEqual(into.shape))
            throw new CheckpointException(f.Path, name, $"shape [{string.Join(", ", entry.Shape)}] does not match [{string.Join(", ", into.shape)}] implied by config.json");
        if (entry.DType is not ("F32" or "BF16" or "F16" or "F64"))
            throw new CheckpointException(f.Path, name, $"dtype {entry.DType} is not a floating-point weight");
        using var t = f.Read(name);
        into.copy_(t);
    }

    /// <summary>config.json as transformers writes a one-label sequence classifier of this backbone.</summary>
    public static void WriteConfig(string dir, ModelConfig config, int padId, ScalarType dtype)
    {
        var o = (config with { TorchDtype = dtype switch { ScalarType.BFloat16 => "bfloat16", ScalarType.Float16 => "float16", _ => "float32" } }).ToJson();
        o["architectures"] = new JsonArray(config.ModelType == "qwen3" ? "Qwen3" + Suffix : "Llama" + Suffix);
        o["num_labels"] = 1;
        o["id2label"] = new JsonObject { ["0"] = "LABEL_0" };
        o["label2id"] = new JsonObject { ["LABEL_0"] = 0 };
        // transformers finds each row's last real token from pad_token_id; without one it refuses batches.
        o["pad_token_id"] ??= padId;
        IO.AtomicFile.WriteAllText(Path.Combine(dir, "config.json"), o.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    private static JsonObject? Json(string dir)
    {
        var file = Path.Combine(dir, "config.json");
        if (!File.Exists(file)) return null;
        try { return JsonNode.Parse(File.ReadAllText(file)) as JsonObject; }
        catch (JsonException e) { throw new ConfigException(file, "(json)", "not valid JSON: " + e.Message, e); }
    }

    private static IEnumerable<string> Architectures(string dir) =>
        Json(dir)?["architectures"] is JsonArray a ? a.OfType<JsonValue>().Select(v => v.TryGetValue<string>(out var s) ? s : "") : [];
}
