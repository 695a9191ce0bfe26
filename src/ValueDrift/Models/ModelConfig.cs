using System.Text.Json;
using System.Text.Json.Nodes;
using ValueDrift.Errors;

namespace ValueDrift.Models;

/// <summary>Llama-3 frequency scaling of rotary embeddings (config.json <c>rope_scaling</c> with <c>rope_type: "llama3"</c>).</summary>
public sealed record Llama3RopeScaling(double Factor, double LowFreqFactor, double HighFreqFactor, int OriginalMaxPositionEmbeddings);

/// <summary>
/// The architecture of a decoder-only model, read from a Hugging Face <c>config.json</c>. Supports <c>model_type</c>
/// <c>llama</c> (Llama-3.x, incl. llama3 rope scaling) and <c>qwen3</c> (per-head q/k RMSNorm). Accepts both the
/// classic keys (<c>rope_theta</c>, <c>rope_scaling</c>) and the <c>rope_parameters</c> object of newer releases.
/// </summary>
public sealed record ModelConfig
{
    public required string ModelType { get; init; }          // "llama" | "qwen3"
    public required int VocabSize { get; init; }
    public required int HiddenSize { get; init; }
    public required int IntermediateSize { get; init; }
    public required int NumHiddenLayers { get; init; }
    public required int NumAttentionHeads { get; init; }
    public required int NumKeyValueHeads { get; init; }
    public required int HeadDim { get; init; }
    public double RmsNormEps { get; init; } = 1e-6;
    public double RopeTheta { get; init; } = 10000.0;
    public Llama3RopeScaling? RopeScaling { get; init; }
    public int MaxPositionEmbeddings { get; init; } = 2048;
    public bool TieWordEmbeddings { get; init; }
    public bool AttentionBias { get; init; }
    public bool MlpBias { get; init; }
    public int? BosTokenId { get; init; }
    public IReadOnlyList<int> EosTokenIds { get; init; } = [];
    public int? PadTokenId { get; init; }
    public string TorchDtype { get; init; } = "float32";

    public bool HasQkNorm => ModelType == "qwen3";

    /// <summary>Reads and validates <paramref name="path"/> (a config.json file or the folder holding it).</summary>
    public static ModelConfig Load(string path)
    {
        if (Directory.Exists(path)) path = Path.Combine(path, "config.json");
        if (!File.Exists(path)) throw new ConfigException(path, "(file)", "config.json not found");
        JsonNode? root;
        // Duplicate keys are refused while parsing: JsonNode would otherwise throw ArgumentException on first access.
        try { root = JsonNode.Parse(File.ReadAllText(path), documentOptions: new JsonDocumentOptions { MaxDepth = 32, AllowDuplicateProperties = false }); }
        catch (JsonException e) { throw new ConfigException(path, "(json)", "not valid JSON: " + e.Message, e); }
        catch (InvalidOperationException e) { throw NotUtf16(path, e); }
        if (root is not JsonObject obj) throw new ConfigException(path, "(root)", "expected a JSON object");
        try { return Parse(obj, path); }
        catch (InvalidOperationException e) { throw NotUtf16(path, e); }
    }

    // JSON accepts an escaped lone surrogate ("\ud800"); reading that string as text throws InvalidOperationException.
    private static ConfigException NotUtf16(string path, InvalidOperationException e) =>
        new(path, "(json)", "holds a string that is not valid UTF-16: " + e.Message, e);

    public static ModelConfig Parse(JsonObject o, string file)
    {
        var r = new Reader(o, file);
        string type = r.String("model_type");
        if (type is not ("llama" or "qwen3"))
            throw new ConfigException(file, "model_type", $"unsupported model_type '{type}' (supported: llama, qwen3)");

        int hidden = r.PositiveInt("hidden_size");
        int heads = r.PositiveInt("num_attention_heads");
        int kvHeads = r.OptionalPositiveInt("num_key_value_heads") ?? heads;
        if (heads % kvHeads != 0)
            throw new ConfigException(file, "num_key_value_heads", $"{kvHeads} does not divide num_attention_heads {heads}");
        int? headDim = r.OptionalPositiveInt("head_dim");
        if (headDim is null && hidden % heads != 0)
            throw new ConfigException(file, "hidden_size", $"{hidden} is not divisible by num_attention_heads {heads} and no head_dim is given");

        // rope: newer releases nest theta and scaling inside "rope_parameters".
        var ropeObj = o["rope_parameters"] as JsonObject;
        double theta = r.OptionalDouble("rope_theta") ?? (ropeObj is null ? null : new Reader(ropeObj, file, "rope_parameters.").OptionalDouble("rope_theta")) ?? 10000.0;
        if (!(theta > 0) || double.IsInfinity(theta)) throw new ConfigException(file, "rope_theta", $"must be a positive number, got {theta}");
        double eps = r.OptionalDouble("rms_norm_eps") ?? 1e-6;
        if (!(eps > 0) || double.IsInfinity(eps)) throw new ConfigException(file, "rms_norm_eps", $"must be a positive number, got {eps}");
        var scalingObj = o["rope_scaling"] as JsonObject ?? ropeObj;
        string scalingField = o["rope_scaling"] is JsonObject ? "rope_scaling" : "rope_parameters";
        Llama3RopeScaling? scaling = null;
        if (scalingObj is not null)
        {
            var s = new Reader(scalingObj, file, scalingField + ".");
            string kind = s.OptionalString("rope_type") ?? s.OptionalString("type") ?? "default";
            if (kind == "llama3")
                scaling = new Llama3RopeScaling(s.Double("factor"), s.Double("low_freq_factor"), s.Double("high_freq_factor"),
                                                s.PositiveInt("original_max_position_embeddings"));
            else if (kind != "default")
                throw new ConfigException(file, scalingField + ".rope_type", $"unsupported rope scaling '{kind}' (supported: default, llama3)");
        }
        if (o["rope_scaling"] is not null and not JsonObject)
            throw new ConfigException(file, "rope_scaling", "expected an object or null");

        // Qwen3 configs may enable sliding-window attention on some layers; we implement full attention only.
        if (r.OptionalBool("use_sliding_window") == true)
            throw new ConfigException(file, "use_sliding_window", "sliding-window attention is not supported");

        return new ModelConfig
        {
            ModelType = type,
            VocabSize = r.PositiveInt("vocab_size"),
            HiddenSize = hidden,
            IntermediateSize = r.PositiveInt("intermediate_size"),
            NumHiddenLayers = r.PositiveInt("num_hidden_layers"),
            NumAttentionHeads = heads,
            NumKeyValueHeads = kvHeads,
            HeadDim = headDim ?? hidden / heads,
            RmsNormEps = eps,
            RopeTheta = theta,
            RopeScaling = scaling,
            MaxPositionEmbeddings = r.OptionalPositiveInt("max_position_embeddings") ?? 2048,
            TieWordEmbeddings = r.OptionalBool("tie_word_embeddings") ?? false,
            AttentionBias = r.OptionalBool("attention_bias") ?? false,
            MlpBias = r.OptionalBool("mlp_bias") ?? false,
            BosTokenId = r.OptionalIntOrFirst("bos_token_id"),
            EosTokenIds = r.IntList("eos_token_id"),
            PadTokenId = r.OptionalIntOrFirst("pad_token_id"),
            TorchDtype = r.OptionalString("torch_dtype") ?? r.OptionalString("dtype") ?? "float32",
        };
    }

    /// <summary>The config as Hugging Face writes it, so transformers loads the saved folder.</summary>
    public JsonObject ToJson()
    {
        var o = new JsonObject
        {
            ["architectures"] = new JsonArray(ModelType == "qwen3" ? "Qwen3ForCausalLM" : "LlamaForCausalLM"),
            ["model_type"] = ModelType,
            ["vocab_size"] = VocabSize,
            ["hidden_size"] = HiddenSize,
            ["intermediate_size"] = IntermediateSize,
            ["num_hidden_layers"] = NumHiddenLayers,
            ["num_attention_heads"] = NumAttentionHeads,
            ["num_key_value_heads"] = NumKeyValueHeads,
            ["head_dim"] = HeadDim,
            ["rms_norm_eps"] = RmsNormEps,
            ["rope_theta"] = RopeTheta,
            ["max_position_embeddings"] = MaxPositionEmbeddings,
            ["tie_word_embeddings"] = TieWordEmbeddings,
            ["attention_bias"] = AttentionBias,
            ["hidden_act"] = "silu",
            ["torch_dtype"] = TorchDtype,
        };
        if (ModelType == "llama") o["mlp_bias"] = MlpBias;
        if (RopeScaling is { } s)
            o["rope_scaling"] = new JsonObject
            {
                ["factor"] = s.Factor, ["low_freq_factor"] = s.LowFreqFactor, ["high_freq_factor"] = s.HighFreqFactor,
                ["original_max_position_embeddings"] = s.OriginalMaxPositionEmbeddings, ["rope_type"] = "llama3",
            };
        if (BosTokenId is { } b) o["bos_token_id"] = b;
        if (EosTokenIds.Count == 1) o["eos_token_id"] = EosTokenIds[0];
        else if (EosTokenIds.Count > 1) o["eos_token_id"] = new JsonArray(EosTokenIds.Select(x => (JsonNode)x).ToArray());
        if (PadTokenId is { } p) o["pad_token_id"] = p;
        return o;
    }

    public void Save(string path) =>
        IO.AtomicFile.WriteAllText(path, ToJson().ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

    /// <summary>Typed accessors that name the offending field in every error.</summary>
    private readonly struct Reader(JsonObject o, string file, string prefix = "")
    {
        private ConfigException Bad(string key, string problem) => new(file, prefix + key, problem);

        public string String(string key) => OptionalString(key) ?? throw Bad(key, "missing");
        public string? OptionalString(string key) => o[key] switch
        {
            null => null,
            JsonValue v when v.TryGetValue(out string? s) => s,
            _ => throw Bad(key, "expected a string"),
        };
        public double Double(string key) => OptionalDouble(key) ?? throw Bad(key, "missing");
        public double? OptionalDouble(string key) => o[key] switch
        {
            null => null,
            JsonValue v when v.TryGetValue(out double d) && double.IsFinite(d) => d,
            _ => throw Bad(key, "expected a finite number"),
        };
        public int PositiveInt(string key) => OptionalPositiveInt(key) ?? throw Bad(key, "missing");
        public int? OptionalPositiveInt(string key)
        {
            int? v = OptionalInt(key);
            if (v is <= 0) throw Bad(key, $"must be positive, got {v}");
            return v;
        }
        public int? OptionalInt(string key) => o[key] switch
        {
            null => null,
            JsonValue v when v.TryGetValue(out int i) => i,
            JsonValue v when v.TryGetValue(out double d) && d == Math.Floor(d) && Math.Abs(d) < int.MaxValue => (int)d,
            _ => throw Bad(key, "expected an integer"),
        };
        public bool? OptionalBool(string key) => o[key] switch
        {
            null => null,
            JsonValue v when v.TryGetValue(out bool b) => b,
            _ => throw Bad(key, "expected true or false"),
        };
        /// <summary>bos/eos/pad ids may be a single integer or a list (Llama-3.1 lists several eos ids).</summary>
        public IReadOnlyList<int> IntList(string key)
        {
            var node = o[key];
            if (node is null) return [];
            if (node is JsonArray a)
            {
                var ids = new int[a.Count];
                for (int i = 0; i < a.Count; i++)
                    ids[i] = a[i] is JsonValue v && v.TryGetValue(out int id) ? id : throw Bad($"{key}[{i}]", "expected an integer");
                return ids;
            }
            return [OptionalInt(key)!.Value];
        }
        public int? OptionalIntOrFirst(string key) { var l = IntList(key); return l.Count > 0 ? l[0] : null; }
    }
}
