using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp;
using ValueDrift.Errors;
using static TorchSharp.torch;

namespace ValueDrift.Models;

/// <summary>
/// Hugging Face checkpoint folders: <c>config.json</c> plus <c>model.safetensors</c>, or shards listed in
/// <c>model.safetensors.index.json</c>. Weights may be F32, BF16 or F16 and are converted to the compute dtype the
/// caller asks for. Pickled weights (<c>*.bin</c>, <c>*.pt</c>) are refused: unpickling can run arbitrary code.
/// </summary>
public static class Checkpoint
{
    public const string IndexFile = "model.safetensors.index.json";
    public const string SingleFile = "model.safetensors";
    public const long DefaultMaxShardBytes = 2L << 30;

    /// <summary>Tensors some exporters write that hold nothing we need (a reward model's head is read by RewardModel).</summary>
    private static bool IsIgnorable(string name, ModelConfig c) =>
        name.EndsWith(".rotary_emb.inv_freq", StringComparison.Ordinal) || name == "score.weight" ||
        (c.TieWordEmbeddings && name == "lm_head.weight");   // tied: the head is the embedding matrix

    public static CausalLM Load(string dir, ScalarType dtype, Device device)
    {
        if (!Directory.Exists(dir)) throw new CheckpointException(dir, null, "model folder not found");
        var config = ModelConfig.Load(Path.Combine(dir, "config.json"));
        var sources = OpenWeights(dir);
        // config.json's dimensions size the model's allocations; check them against the weights before building it,
        // so a config the file cannot fill fails here instead of allocating (and initialising) gigabytes first.
        long stored = sources.Sum(f => f.Entries.Values.Sum(e => e.ByteLength / SafetensorsFile.ElementSize(e.DType, f.Path, e.Name)));
        double needed = MinimumParameterCount(config);
        if (needed > stored)
            throw new CheckpointException(sources[0].Path, null,
                $"config.json describes a model of at least {needed:N0} parameters but the weights hold {stored:N0} values: config.json does not belong to these weights");
        var model = new CausalLM(config);
        LoadWeights(model, sources);
        model.SourcePath = dir;
        model.SourceDType = StoredDType(sources);
        return model.To(dtype, device);
    }

    /// <summary>
    /// A lower bound on the parameters a config implies: the embedding plus every layer's attention and MLP matrices
    /// (norms and biases left out). Computed in double so absurd dimensions cannot overflow.
    /// </summary>
    private static double MinimumParameterCount(ModelConfig c)
    {
        double h = c.HiddenSize, q = (double)c.NumAttentionHeads * c.HeadDim, kv = (double)c.NumKeyValueHeads * c.HeadDim;
        double perLayer = h * q * 2 + h * kv * 2 + 3 * h * c.IntermediateSize;
        return (double)c.VocabSize * h + c.NumHiddenLayers * perLayer;
    }

    /// <summary>
    /// Copies the weights of a checkpoint folder into an existing model (any dtype or device), after checking every
    /// tensor's presence, shape and dtype. The folder's config must describe the same architecture.
    /// </summary>
    public static void LoadWeights(CausalLM model, string dir) => LoadWeights(model, OpenWeights(dir));

    private static void LoadWeights(CausalLM model, List<SafetensorsFile> sources)
    {
        var config = model.Config;
        // An attached adapter is not part of a Hugging Face folder (it lives in its own, see LoraAdapter).
        var expected = model.named_parameters().Where(p => !LoraLinear.IsAdapterParameter(p.name)).ToDictionary(p => p.name, p => p.parameter);
        var found = new Dictionary<string, SafetensorsFile>();
        foreach (var f in sources)
            foreach (var name in f.Entries.Keys)
            {
                if (IsIgnorable(name, config)) continue;
                if (!expected.ContainsKey(name))
                    throw new CheckpointException(f.Path, name, $"unexpected tensor: a {config.ModelType} model with this config.json has no such parameter");
                if (!found.TryAdd(name, f)) throw new CheckpointException(f.Path, name, $"tensor also present in {found[name].Path}");
            }
        foreach (var (name, p) in expected)
        {
            if (!found.TryGetValue(name, out var f))
                throw new CheckpointException(sources[0].Path, name, "missing tensor required by config.json");
            var entry = f.Entries[name];
            if (!entry.Shape.SequenceEqual(p.shape))
                throw new CheckpointException(f.Path, name,
                    $"shape [{string.Join(", ", entry.Shape)}] does not match [{string.Join(", ", p.shape)}] implied by config.json");
            if (entry.DType is not ("F32" or "BF16" or "F16" or "F64"))
                throw new CheckpointException(f.Path, name, $"dtype {entry.DType} is not a floating-point weight");
        }
        using (no_grad())
            foreach (var (name, p) in expected)
            {
                using var t = found[name].Read(name);
                p.copy_(t);   // converts the stored dtype and device to the parameter's
            }
    }

    /// <summary>Opens and validates every weights file of a folder (single file, or shards named by the index).</summary>
    public static List<SafetensorsFile> OpenWeights(string dir)
    {
        var index = Path.Combine(dir, IndexFile);
        var single = Path.Combine(dir, SingleFile);
        if (File.Exists(index))
            return ReadIndex(index).Distinct().Select(shard => SafetensorsFile.Open(Path.Combine(dir, shard))).ToList();
        if (File.Exists(single)) return [SafetensorsFile.Open(single)];
        var pickled = Directory.EnumerateFiles(dir).Select(Path.GetFileName).FirstOrDefault(n => IsPickle(n!));
        if (pickled is not null) throw PickleRefused(Path.Combine(dir, pickled), null);
        throw new CheckpointException(dir, null, $"no {SingleFile} or {IndexFile} in the folder");
    }

    private static bool IsPickle(string name) => name.EndsWith(".bin") || name.EndsWith(".pt") || name.EndsWith(".pth") || name.EndsWith(".ckpt");

    private static CheckpointException PickleRefused(string file, string? tensor) =>
        new(file, tensor,
            "pickled PyTorch weights are refused because loading them can execute code. Convert once in Python: " +
            "`AutoModelForCausalLM.from_pretrained(dir).save_pretrained(out, safe_serialization=True)` " +
            "(or `safetensors.torch.save_file(torch.load(f, weights_only=True), 'model.safetensors')`).");

    private static string Kind(JsonNode? node) => node?.GetValueKind().ToString().ToLowerInvariant() ?? "null";

    private static IEnumerable<string> ReadIndex(string index)
    {
        JsonNode? root;
        try { root = JsonNode.Parse(File.ReadAllText(index)); }
        catch (JsonException e) { throw new CheckpointException(index, null, "not valid JSON: " + e.Message, e); }
        if (root is not JsonObject o) throw new CheckpointException(index, null, $"expected a JSON object with a 'weight_map', got {Kind(root)}");
        if (o["weight_map"] is not JsonObject map) throw new CheckpointException(index, null, $"'weight_map' must be an object of tensor → shard file, got {Kind(o["weight_map"])}");
        foreach (var (tensor, file) in map)
        {
            if (file is not JsonValue v || !v.TryGetValue(out string? shard) || string.IsNullOrEmpty(shard))
                throw new CheckpointException(index, tensor, "weight_map value is not a file name");
            if (shard.Contains('/') || shard.Contains('\\') || shard == "..")
                throw new CheckpointException(index, tensor, $"shard '{shard}' must be a file name inside the checkpoint folder");
            // Checked by name, before the shard is opened: a pickle listed as a shard is never read.
            if (IsPickle(shard)) throw PickleRefused(Path.Combine(Path.GetDirectoryName(index)!, shard), tensor);
            if (!shard.EndsWith(".safetensors", StringComparison.Ordinal))
                throw new CheckpointException(index, tensor, $"shard '{shard}' is not a .safetensors file");
            if (!File.Exists(Path.Combine(Path.GetDirectoryName(index)!, shard)))
                throw new CheckpointException(index, tensor, $"shard '{shard}' is missing");
            yield return shard;
        }
    }

    /// <summary>
    /// Writes config.json and the weights (in <paramref name="dtype"/>, default the model's), sharded as
    /// <c>model-00001-of-0000N.safetensors</c> with an index when larger than <paramref name="maxShardBytes"/>.
    /// Each file is replaced atomically.
    /// </summary>
    public static void Save(CausalLM model, string dir, ScalarType? dtype, long maxShardBytes)
    {
        Directory.CreateDirectory(dir);
        var saveType = dtype ?? model.DType;
        var config = model.Config with { TorchDtype = saveType switch { ScalarType.BFloat16 => "bfloat16", ScalarType.Float16 => "float16", _ => "float32" } };

        using var scope = NewDisposeScope();   // merged adapter weights are temporaries
        var tensors = model.ExportTensors().ToList();
        var shards = new List<List<(string, Tensor)>> { new() };
        long size = 0, total = 0;
        foreach (var (name, p) in tensors)
        {
            long bytes = p.numel() * (saveType is ScalarType.Float32 ? 4 : 2);
            if (size > 0 && size + bytes > maxShardBytes) { shards.Add(new()); size = 0; }
            shards[^1].Add((name, p));
            size += bytes; total += bytes;
        }

        // Remove files of a previous save with a different layout, so the folder has exactly one set of weights.
        foreach (var old in Directory.EnumerateFiles(dir, "model*.safetensors").Concat(Directory.EnumerateFiles(dir, IndexFile)))
            File.Delete(old);

        using (no_grad())
        {
            if (shards.Count == 1)
                SafetensorsFile.Write(Path.Combine(dir, SingleFile), Converted(shards[0], saveType));
            else
            {
                var map = new JsonObject();
                for (int i = 0; i < shards.Count; i++)
                {
                    string file = $"model-{i + 1:D5}-of-{shards.Count:D5}.safetensors";
                    SafetensorsFile.Write(Path.Combine(dir, file), Converted(shards[i], saveType));
                    foreach (var (name, _) in shards[i]) map[name] = file;
                }
                var index = new JsonObject { ["metadata"] = new JsonObject { ["total_size"] = total }, ["weight_map"] = map };
                IO.AtomicFile.WriteAllText(Path.Combine(dir, IndexFile), index.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            }
        }
        config.Save(Path.Combine(dir, "config.json"));
    }

    /// <summary>The floating-point dtype most of the stored weights have (by element count).</summary>
    private static ScalarType StoredDType(List<SafetensorsFile> sources) =>
        sources.SelectMany(f => f.Entries.Values.Select(e => (f, e)))
            .Where(x => x.e.DType is "F32" or "BF16" or "F16" or "F64")
            .GroupBy(x => x.e.DType)
            .OrderByDescending(g => g.Sum(x => x.e.ByteLength / SafetensorsFile.ElementSize(x.e.DType, x.f.Path, x.e.Name)))
            .Select(g => SafetensorsFile.ToScalarType(g.Key, sources[0].Path, g.First().e.Name))
            .DefaultIfEmpty(ScalarType.Float32).First();

    /// <summary>
    /// Parses a dtype as the command line and config.json spell it: fp32/float32, bf16/bfloat16, fp16/float16.
    /// </summary>
    public static ScalarType ParseDType(string text, string source, string field) => text.ToLowerInvariant() switch
    {
        "fp32" or "float32" or "f32" => ScalarType.Float32,
        "bf16" or "bfloat16" => ScalarType.BFloat16,
        "fp16" or "float16" or "f16" => ScalarType.Float16,
        _ => throw new ConfigException(source, field, $"unknown dtype '{text}' (expected fp32, bf16 or fp16)"),
    };

    private static IEnumerable<(string, Tensor)> Converted(List<(string Name, Tensor T)> shard, ScalarType dtype) =>
        shard.Select(s => (s.Name, s.T.dtype == dtype ? s.T : s.T.to(dtype)));
}
