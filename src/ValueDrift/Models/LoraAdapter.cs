using System.Text.Json;
using System.Text.Json.Nodes;
using ValueDrift.Errors;
using static TorchSharp.torch;

namespace ValueDrift.Models;

/// <summary>
/// A PEFT LoRA adapter folder: <c>adapter_config.json</c> and <c>adapter_model.safetensors</c>, whose tensor names are
/// PEFT's (<c>base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight</c>), so PEFT's
/// <c>PeftModel.from_pretrained(base, dir)</c> loads it unchanged, and an adapter PEFT wrote loads here.
/// </summary>
public static class LoraAdapter
{
    public const string ConfigFile = "adapter_config.json";
    public const string WeightsFile = "adapter_model.safetensors";
    /// <summary>PEFT's prefix for a causal LM: PeftModel.base_model (LoraModel) .model (the transformers model).</summary>
    public const string NamePrefix = "base_model.model.";

    /// <summary>Files of a model folder that describe its tokenizer and generation defaults; kept beside adapters and merged weights.</summary>
    public static readonly IReadOnlyList<string> TokenizerFiles =
        ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "generation_config.json", "chat_template.jinja", "vocab.json", "merges.txt"];

    /// <summary>Copies the <see cref="TokenizerFiles"/> present in <paramref name="from"/> into <paramref name="to"/>, atomically each.</summary>
    public static void CopyTokenizerFiles(string from, string to)
    {
        foreach (var file in TokenizerFiles)
        {
            var source = Path.Combine(from, file);
            if (File.Exists(source)) IO.AtomicFile.WriteAllBytes(Path.Combine(to, file), File.ReadAllBytes(source));
        }
    }

    /// <summary>True when <paramref name="dir"/> holds an adapter rather than a full model.</summary>
    public static bool IsAdapterFolder(string dir) => File.Exists(Path.Combine(dir, ConfigFile));

    /// <summary>
    /// Writes the model's adapter (weights in their own dtype) and its config, each file atomically, with the base's
    /// tokenizer files (as TRL saves them beside an adapter), so the folder serves as <c>--model</c> on its own.
    /// </summary>
    public static void Save(CausalLM model, string dir, string? baseModelNameOrPath)
    {
        var lora = model.Lora ?? throw new InvalidOperationException("the model carries no LoRA adapter");
        Directory.CreateDirectory(dir);
        var tensors = model.named_parameters().Where(p => LoraLinear.IsAdapterParameter(p.name))
            .Select(p => (NamePrefix + p.name, (Tensor)p.parameter)).ToList();
        SafetensorsFile.Write(Path.Combine(dir, WeightsFile), tensors);
        var config = new JsonObject
        {
            ["peft_type"] = "LORA",
            ["task_type"] = "CAUSAL_LM",
            ["r"] = lora.Rank,
            ["lora_alpha"] = lora.Alpha,
            ["lora_dropout"] = lora.Dropout,
            ["target_modules"] = new JsonArray(lora.Targets.Select(t => (JsonNode)t).ToArray()),
            ["bias"] = "none",
            ["fan_in_fan_out"] = false,
            ["use_rslora"] = lora.UseRsLora,
            ["modules_to_save"] = null,
            ["inference_mode"] = true,
            ["init_lora_weights"] = true,
            ["base_model_name_or_path"] = baseModelNameOrPath,
        };
        IO.AtomicFile.WriteAllText(Path.Combine(dir, ConfigFile), config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        if (model.SourcePath is { } source && Directory.Exists(source)) CopyTokenizerFiles(source, dir);
    }

    /// <summary>Reads and validates <c>adapter_config.json</c>; returns the LoRA shape and the base it names (may be null).</summary>
    public static (LoraConfig Config, string? BaseModelNameOrPath) ReadConfig(string dir)
    {
        var path = Path.Combine(dir, ConfigFile);
        if (!File.Exists(path)) throw new ConfigException(path, "(file)", "adapter_config.json not found");
        JsonNode? root;
        try { root = JsonNode.Parse(File.ReadAllText(path), documentOptions: new JsonDocumentOptions { MaxDepth = 16, AllowDuplicateProperties = false }); }
        catch (JsonException e) { throw new ConfigException(path, "(json)", "not valid JSON: " + e.Message, e); }
        if (root is not JsonObject o) throw new ConfigException(path, "(root)", "expected a JSON object");
        try
        {
            string? peftType = Str(o, "peft_type", path);
            if (peftType != "LORA") throw new ConfigException(path, "peft_type", $"'{peftType}' is not a LoRA adapter (expected \"LORA\")");
            if (Str(o, "task_type", path) is { } task && task != "CAUSAL_LM")
                throw new ConfigException(path, "task_type", $"'{task}' is not supported (expected \"CAUSAL_LM\")");
            if (Str(o, "bias", path) is { } bias && bias != "none")
                throw new ConfigException(path, "bias", $"'{bias}': adapters that train biases are not supported (expected \"none\")");
            if (o["fan_in_fan_out"] is JsonValue f && f.TryGetValue(out bool fif) && fif)
                throw new ConfigException(path, "fan_in_fan_out", "true is for GPT-2-style Conv1D layers; Llama and Qwen projections are Linear");
            if (o["modules_to_save"] is JsonArray { Count: > 0 })
                throw new ConfigException(path, "modules_to_save", "fully trained extra modules are not supported");
            foreach (var key in new[] { "layers_to_transform", "rank_pattern", "alpha_pattern" })
                if (o[key] is { } n && n is not (JsonArray { Count: 0 } or JsonObject { Count: 0 }))
                    throw new ConfigException(path, key, "per-layer adapter shapes are not supported");
            if (o["use_dora"] is JsonValue d && d.TryGetValue(out bool dora) && dora)
                throw new ConfigException(path, "use_dora", "DoRA adapters are not supported");

            var targets = o["target_modules"] switch
            {
                JsonArray a => a.Select((n, i) => n is JsonValue v && v.TryGetValue(out string? s) ? s : throw new ConfigException(path, $"target_modules[{i}]", "expected a string")).ToList(),
                JsonValue v when v.TryGetValue(out string? s) && LoraConfig.KnownTargets.Contains(s) => [s],
                JsonValue v when v.TryGetValue(out string? s) => throw new ConfigException(path, "target_modules", $"'{s}': a pattern is not supported; list the module names"),
                _ => throw new ConfigException(path, "target_modules", "missing or not a list of module names"),
            };
            var config = new LoraConfig
            {
                Rank = Int(o, "r", path),
                Alpha = Num(o, "lora_alpha", path) ?? LoraConfig.DefaultAlpha,
                Dropout = Num(o, "lora_dropout", path) ?? LoraConfig.DefaultDropout,
                Targets = targets,
                UseRsLora = o["use_rslora"] is JsonValue r && r.TryGetValue(out bool rs) && rs,
            }.Validated(path);
            return (config, Str(o, "base_model_name_or_path", path));
        }
        catch (InvalidOperationException e) { throw new ConfigException(path, "(json)", "holds a value of the wrong kind: " + e.Message, e); }
    }

    /// <summary>
    /// Attaches the adapter in <paramref name="dir"/> to <paramref name="model"/>, or — when the model already carries
    /// an adapter of the same shape (resuming a run) — overwrites its A and B. Every tensor's name and shape is
    /// checked against the model first: an adapter trained on another base fails here, naming the tensor, before any
    /// weight is copied.
    /// </summary>
    public static void Load(CausalLM model, string dir)
    {
        var (config, _) = ReadConfig(dir);
        var file = SafetensorsFile.Open(Path.Combine(dir, WeightsFile));
        if (model.Lora is { } attached)
        {
            if (attached.Rank != config.Rank || attached.Alpha != config.Alpha || attached.UseRsLora != config.UseRsLora
                || !attached.Targets.Order().SequenceEqual(config.Targets.Order()))
                throw new ConfigException(Path.Combine(dir, ConfigFile), "r",
                    $"adapter (r = {config.Rank}, lora_alpha = {config.Alpha}, [{string.Join(", ", config.Targets)}]) does not match the model's attached adapter (r = {attached.Rank}, lora_alpha = {attached.Alpha}, [{string.Join(", ", attached.Targets)}])");
        }
        CheckNames(model, config, file);   // before attaching anything: a foreign adapter leaves the model as it was
        if (model.Lora is null) model.AddLora(config, seed: 0);
        var expected = model.named_parameters().Where(p => LoraLinear.IsAdapterParameter(p.name))
            .ToDictionary(p => NamePrefix + p.name, p => p.parameter);
        using (no_grad())
            foreach (var (name, p) in expected)
            {
                using var t = file.Read(name);
                p.copy_(t);
            }
    }

    /// <summary>Checks names and shapes against what <paramref name="config"/> would attach to <paramref name="model"/>.</summary>
    private static void CheckNames(CausalLM model, LoraConfig config, SafetensorsFile file)
    {
        var expected = new Dictionary<string, long[]>();
        foreach (var (name, module) in model.named_modules())
            if (module is LoraLinear l && config.Targets.Contains(name[(name.LastIndexOf('.') + 1)..]))
            {
                expected[$"{NamePrefix}{name}.lora_A.weight"] = [config.Rank, l.InFeatures];
                expected[$"{NamePrefix}{name}.lora_B.weight"] = [l.OutFeatures, config.Rank];
            }
        foreach (var (name, e) in file.Entries)
        {
            if (!expected.TryGetValue(name, out var shape))
                throw new CheckpointException(file.Path, name,
                    $"unexpected tensor: a {model.Config.ModelType} model of {model.LayerCount} layers with target_modules [{string.Join(", ", config.Targets)}] has no such adapter weight (adapter of another base model?)");
            if (!e.Shape.SequenceEqual(shape))
                throw new CheckpointException(file.Path, name,
                    $"shape [{string.Join(", ", e.Shape)}] does not match [{string.Join(", ", shape)}] of this base model with r = {config.Rank} (adapter of another base model?)");
            if (e.DType is not ("F32" or "BF16" or "F16" or "F64"))
                throw new CheckpointException(file.Path, name, $"dtype {e.DType} is not a floating-point weight");
        }
        foreach (var name in expected.Keys)
            if (!file.Entries.ContainsKey(name)) throw new CheckpointException(file.Path, name, "missing tensor required by adapter_config.json");
    }

    private static readonly AsyncLocal<string?> _fallbackBase = new();

    /// <summary>
    /// The base model folder for adapter folders whose <c>base_model_name_or_path</c> is no folder on this machine
    /// (a hub id, or a path from another machine): the CLI's <c>--base</c>. An adapter naming a folder that exists keeps
    /// it — stages write adapters naming their own base, and a probe of those must not be redirected. Async-local, so
    /// concurrent commands in one process (tests, notebooks) do not see each other's.
    /// </summary>
    public static string? FallbackBase { get => _fallbackBase.Value; set => _fallbackBase.Value = value; }

    /// <summary>
    /// The base model folder for an adapter: <paramref name="explicitBase"/> when given, else the config's
    /// <c>base_model_name_or_path</c> when it is a folder here (a relative path is taken relative to the adapter folder
    /// when it exists there), else <see cref="FallbackBase"/>.
    /// </summary>
    public static string ResolveBase(string adapterDir, string? explicitBase)
    {
        if (explicitBase is not null) return ExistingBase(explicitBase);
        var (_, named) = ReadConfig(adapterDir);
        var path = Path.Combine(adapterDir, ConfigFile);
        if (!string.IsNullOrEmpty(named))
        {
            if (Directory.Exists(named)) return named;
            var beside = Path.GetFullPath(Path.Combine(adapterDir, named));
            if (!Path.IsPathRooted(named) && Directory.Exists(beside)) return beside;
        }
        if (FallbackBase is { } fallback) return ExistingBase(fallback);
        throw new ConfigException(path, "base_model_name_or_path", string.IsNullOrEmpty(named)
            ? "names no base model: pass the base folder explicitly (--base)"
            : $"'{named}' is not a model folder on this machine (hub ids are not downloaded): pass the base folder explicitly (--base)");
    }

    private static string ExistingBase(string dir) =>
        Directory.Exists(dir) ? dir : throw new ConfigException(dir, "--base", "the base model folder does not exist");

    private static string? Str(JsonObject o, string key, string path) => o[key] switch
    {
        null => null,
        JsonValue v when v.TryGetValue(out string? s) => s,
        _ => throw new ConfigException(path, key, "expected a string"),
    };

    private static double? Num(JsonObject o, string key, string path) => o[key] switch
    {
        null => null,
        JsonValue v when v.TryGetValue(out double d) && double.IsFinite(d) => d,
        _ => throw new ConfigException(path, key, "expected a finite number"),
    };

    private static int Int(JsonObject o, string key, string path) => o[key] switch
    {
        null => throw new ConfigException(path, key, "missing"),
        JsonValue v when v.TryGetValue(out int i) => i,
        _ => throw new ConfigException(path, key, "expected an integer"),
    };
}
