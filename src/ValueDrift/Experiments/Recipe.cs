using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using ValueDrift.Errors;
using ValueDrift.Training;
using ValueDrift.Training.Algorithms;

namespace ValueDrift.Experiments;

/// <summary>An SFT set of a recipe: a name (used in stage names) and a conversations file.</summary>
public sealed record RecipeSftSet(string Name, string Data);

/// <summary>A preference set of a recipe; <paramref name="From"/> names the SFT sets it starts from (null: all).</summary>
public sealed record RecipePreferenceSet(string Name, string Data, IReadOnlyList<string>? From = null);

/// <summary>How a recipe probes: the probe set, the judge, and the generation settings (the paper's by default).</summary>
public sealed record RecipeProbes
{
    /// <summary>Probe set file (id, topic, question); null: the open probe set shipped with the library.</summary>
    public string? File { get; init; }
    /// <summary><c>world</c> | <c>local:DIR</c> | <c>endpoint:URL,MODEL</c> (key from VALUEDRIFT_JUDGE_API_KEY).</summary>
    public required string Judge { get; init; }
    public Probes.GenerationProbeOptions Generation { get; init; } = new();
    /// <summary>Probe every N steps after the dense early schedule.</summary>
    public int Every { get; init; } = 50;
}

/// <summary>
/// The paper's grid as one declaration (docs/reproduce.md): a base checkpoint, SFT sets, preference sets, algorithms
/// with their settings and budgets, and how to probe. <see cref="Plan"/> turns it into stages — base → each SFT set →
/// each algorithm × preference set from each SFT checkpoint — run by <see cref="RecipeRunner"/> through the same
/// <see cref="StageRunner"/> as notebooks and the CLI. Read one with <see cref="Load"/>: JSON with comments, paths
/// relative to the recipe file, unknown keys refused.
/// </summary>
public sealed record Recipe
{
    public required string BaseModel { get; init; }
    public required IReadOnlyList<RecipeSftSet> Sft { get; init; }
    public IReadOnlyList<RecipePreferenceSet> Preference { get; init; } = [];
    /// <summary>The preference algorithms, each with its settings (<c>{"name": "dpo", "beta": 0.1}</c>); defaults are the records'.</summary>
    public IReadOnlyList<Algorithm> Algorithms { get; init; } = [new Dpo(), new SimPo(), new Ppo()];
    /// <summary>Loop options of the SFT stages.</summary>
    public TrainerOptions SftTraining { get; init; } = new();
    /// <summary>Loop options of the preference stages: one budget for every algorithm unless <see cref="AlgorithmTraining"/> overrides it.</summary>
    public TrainerOptions PreferenceTraining { get; init; } = new();
    /// <summary>Per-algorithm loop options (by algorithm name), e.g. each method's published learning rate.</summary>
    public IReadOnlyDictionary<string, TrainerOptions> AlgorithmTraining { get; init; } = new Dictionary<string, TrainerOptions>();
    public required RecipeProbes Probes { get; init; }
    /// <summary>Longest prompt + completion in tokens; null: the data layer's default.</summary>
    public int? MaxLength { get; init; }
    /// <summary>
    /// One budget for every preference algorithm (equal optimizer updates and examples, each at its published
    /// learning rate × one factor; <see cref="PreferenceBudget"/>), applied to <see cref="PreferenceTraining"/> as the
    /// template. Null: the loop options as given. Excludes <see cref="AlgorithmTraining"/>.
    /// </summary>
    public PreferenceBudget? Budget { get; init; }
    /// <summary>
    /// Training runs of the whole grid, seeded as given, +1, +2, … (every loop seed and the probe's sampling seed): the
    /// first in the run folder, the others in seeds/seed-K (K = 1, 2, …) below it. 1: one run.
    /// </summary>
    public int Seeds { get; init; } = 1;

    /// <summary>The recipe of seed run <paramref name="index"/> (0: this recipe): every loop seed and the probe's sampling seed + index.</summary>
    public Recipe ForSeed(int index) => index == 0 ? this : this with
    {
        Seeds = 1,
        SftTraining = SftTraining with { Seed = SftTraining.Seed + index },
        PreferenceTraining = PreferenceTraining with { Seed = PreferenceTraining.Seed + index },
        AlgorithmTraining = AlgorithmTraining.ToDictionary(kv => kv.Key, kv => kv.Value with { Seed = kv.Value.Seed + index }),
        Probes = Probes with { Generation = Probes.Generation with { Seed = Probes.Generation.Seed + index } },
    };

    /// <summary>Sub-folder of a recipe run holding the runs of seeds after the first.</summary>
    public const string SeedsFolder = "seeds";

    /// <summary>The run folder of seed run <paramref name="index"/>: the run folder itself for 0, else seeds/seed-K below it.</summary>
    public static string SeedFolder(string outputDirectory, int index) =>
        index == 0 ? outputDirectory : Path.Combine(outputDirectory, SeedsFolder, $"seed-{index}");

    /// <summary>The stages in order: every SFT set from the base model, then every algorithm × preference set from each SFT stage it names.</summary>
    public StagePlan Plan()
    {
        var stages = new List<PlannedStage>();
        foreach (var sft in Sft)
            stages.Add(new PlannedStage(new Stage
            {
                Name = $"sft-{sft.Name}", Algorithm = new Sft(), DataPath = sft.Data, Training = SftTraining, ProbeEvery = Probes.Every, MaxLength = MaxLength,
            }, null));
        foreach (var sft in Sft)
            foreach (var pref in Preference.Where(p => p.From is null || p.From.Contains(sft.Name)))
                foreach (var algorithm in Algorithms)
                    stages.Add(new PlannedStage(new Stage
                    {
                        Name = $"{algorithm.Name}-{pref.Name}-from-{sft.Name}", Algorithm = algorithm, DataPath = pref.Data,
                        Training = Budget?.Loop(algorithm, PreferenceTraining) ?? AlgorithmTraining.GetValueOrDefault(algorithm.Name) ?? PreferenceTraining,
                        ProbeEvery = Budget is null ? Probes.Every : Math.Max(1, Probes.Every / PreferenceBudget.UpdatesPerStep(algorithm)), MaxLength = MaxLength,
                    }, $"sft-{sft.Name}"));
        return new StagePlan(BaseModel, stages);
    }

    /// <summary>The recipe as JSON in the form <see cref="Load"/> reads (paths absolute), kept in the run folder as recipe.json.</summary>
    public string ToJson()
    {
        var json = new JsonSerializerOptions(ReaderJson) { WriteIndented = true };
        JsonNode? Node<T>(T value) => JsonSerializer.SerializeToNode(value, json);
        var algorithms = new JsonArray(Algorithms.Select(a => (JsonNode)a.Describe()).ToArray());
        var training = new JsonObject
        {
            ["sft"] = Node(SftTraining), ["preference"] = Node(PreferenceTraining),
            ["algorithms"] = new JsonObject(AlgorithmTraining.Select(kv => KeyValuePair.Create(kv.Key, Node(kv.Value)))),
        };
        var root = new JsonObject
        {
            ["base_model"] = BaseModel, ["sft"] = Node(Sft), ["preference"] = Node(Preference), ["algorithms"] = algorithms, ["training"] = training,
            ["probes"] = new JsonObject { ["file"] = Probes.File, ["judge"] = Probes.Judge, ["generation"] = Node(Probes.Generation), ["every"] = Probes.Every },
            ["max_length"] = MaxLength, ["budget"] = Budget is null ? null : Node(Budget), ["seeds"] = Seeds,
        };
        foreach (var a in algorithms) a!.AsObject().Remove("effective_gamma");
        return root.ToJsonString(json);
    }

    private static readonly JsonSerializerOptions ReaderJson = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>Reads a recipe file; every problem is a <see cref="ConfigException"/> naming the file and the key.</summary>
    public static Recipe Load(string path)
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }) as JsonObject
                ?? throw new ConfigException(path, "(root)", "a recipe is a JSON object");
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { throw new ConfigException(path, "(file)", "recipe not found", e); }
        catch (JsonException e) { throw new ConfigException(path, "(root)", "not valid JSON: " + e.Message, e); }
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var reader = new Reader(path, dir);
        reader.Only(root, "", "base_model", "sft", "preference", "algorithms", "training", "probes", "max_length", "budget", "seeds");
        var training = reader.Object(root, "training");
        reader.Only(training, "training", ["sft", "preference", "algorithms"]);
        var probes = reader.Object(root, "probes", required: true)!;
        reader.Only(probes, "probes", "file", "judge", "generation", "every");
        var algorithmTraining = reader.Object(training, "algorithms", "training.algorithms");
        var recipe = new Recipe
        {
            BaseModel = reader.Folder(root, "base_model"),
            Sft = reader.Array(root, "sft", required: true).Select((n, i) => reader.SftSet(n, $"sft[{i}]")).ToList(),
            Preference = reader.Array(root, "preference").Select((n, i) => reader.PreferenceSet(n, $"preference[{i}]")).ToList(),
            Algorithms = root["algorithms"] is null ? new Recipe { BaseModel = "", Sft = [], Probes = new() { Judge = "" } }.Algorithms
                : reader.Array(root, "algorithms").Select((n, i) => reader.Algorithm(n, $"algorithms[{i}]")).ToList(),
            SftTraining = reader.Training(training?["sft"], "training.sft"),
            PreferenceTraining = reader.Training(training?["preference"], "training.preference"),
            AlgorithmTraining = algorithmTraining?.ToDictionary(kv => kv.Key, kv => reader.Training(kv.Value, $"training.algorithms.{kv.Key}")) ?? [],
            Probes = new RecipeProbes
            {
                File = probes["file"] is null ? null : reader.File(probes, "file", "probes.file"),
                Judge = reader.String(probes, "judge", "probes.judge"),
                Generation = reader.As<Probes.GenerationProbeOptions>(probes["generation"], "probes.generation") ?? new(),
                Every = probes["every"] is null ? new RecipeProbes { Judge = "" }.Every : reader.As<int>(probes["every"], "probes.every"),
            },
            MaxLength = root["max_length"] is null ? null : reader.As<int>(root["max_length"], "max_length"),
            Budget = reader.As<PreferenceBudget>(root["budget"], "budget"),
            Seeds = root["seeds"] is null ? 1 : reader.As<int>(root["seeds"], "seeds"),
        };
        if (recipe.Seeds < 1) throw new ConfigException(path, "seeds", $"must be ≥ 1, got {recipe.Seeds}");
        if (recipe.Budget is not null && recipe.AlgorithmTraining.Count > 0)
            throw new ConfigException(path, "training.algorithms", "give either a budget (one for every algorithm) or per-algorithm loop options, not both");
        foreach (var p in recipe.Preference)
            foreach (var from in p.From ?? [])
                if (!recipe.Sft.Any(s => s.Name == from))
                    throw new ConfigException(path, $"preference '{p.Name}'.from", $"'{from}' is not an SFT set of the recipe");
        foreach (var name in recipe.AlgorithmTraining.Keys)
            if (!recipe.Algorithms.Any(a => a.Name == name))
                throw new ConfigException(path, $"training.algorithms.{name}", $"no algorithm '{name}' in the recipe");
        try { recipe.Plan().Validate(); }
        catch (ConfigException e) { throw new ConfigException(path, e.File == "budget" ? "budget." + e.Field : e.Field, e.Message, e); }
        return recipe;
    }

    /// <summary>Reads the parts of a recipe, naming the file and key in every error.</summary>
    private sealed class Reader(string file, string dir)
    {
        private static readonly JsonSerializerOptions Json = ReaderJson;

        public void Only(JsonObject? o, string where, params string[] keys)
        {
            if (o is null) return;
            foreach (var (k, _) in o)
                if (!keys.Contains(k))
                    throw new ConfigException(file, where.Length == 0 ? k : $"{where}.{k}", $"unknown key (known: {string.Join(", ", keys)})");
        }

        public JsonObject? Object(JsonObject? o, string key, string? where = null, bool required = false) => o?[key] switch
        {
            null when required => throw new ConfigException(file, where ?? key, "missing"),
            null => null,
            JsonObject x => x,
            _ => throw new ConfigException(file, where ?? key, "must be an object"),
        };

        public JsonObject? Object(JsonObject? o, string key, bool required) => Object(o, key, null, required);

        public IEnumerable<JsonNode> Array(JsonObject o, string key, bool required = false) => o[key] switch
        {
            null when required => throw new ConfigException(file, key, "missing"),
            null => [],
            JsonArray a when a.All(n => n is not null) => a.Select(n => n!),
            _ => throw new ConfigException(file, key, "must be an array of objects"),
        };

        public string String(JsonNode? o, string key, string where) =>
            o?[key] is JsonValue v && v.TryGetValue<string>(out var s) && s.Trim().Length > 0 ? s : throw new ConfigException(file, where, "missing, or not a non-empty string");

        public string File(JsonNode o, string key, string where)
        {
            var p = Path.GetFullPath(Path.Combine(dir, String(o, key, where)));
            if (!System.IO.File.Exists(p)) throw new ConfigException(file, where, $"file not found: {p}");
            return p;
        }

        public string Folder(JsonNode o, string key)
        {
            var p = Path.GetFullPath(Path.Combine(dir, String(o, key, key)));
            if (!Directory.Exists(p)) throw new ConfigException(file, key, $"model folder not found: {p}");
            return p;
        }

        public RecipeSftSet SftSet(JsonNode n, string where)
        {
            if (n is not JsonObject o) throw new ConfigException(file, where, "must be an object");
            Only(o, where, "name", "data");
            return new RecipeSftSet(Name(o, where), File(o, "data", $"{where}.data"));
        }

        public RecipePreferenceSet PreferenceSet(JsonNode n, string where)
        {
            if (n is not JsonObject o) throw new ConfigException(file, where, "must be an object");
            Only(o, where, "name", "data", "from");
            return new RecipePreferenceSet(Name(o, where), File(o, "data", $"{where}.data"), o["from"] is null ? null : As<List<string>>(o["from"], $"{where}.from"));
        }

        private string Name(JsonObject o, string where)
        {
            var name = String(o, "name", $"{where}.name");
            if (name.Any(c => !(char.IsLetterOrDigit(c) || c is '-' or '_' or '.')))
                throw new ConfigException(file, $"{where}.name", $"'{name}': use letters, digits, '-', '_' and '.' (it names folders)");
            return name;
        }

        public Algorithm Algorithm(JsonNode n, string where)
        {
            if (n is not JsonObject o) throw new ConfigException(file, where, "must be an object");
            var name = String(o, "name", $"{where}.name");
            var type = AlgorithmTypes.GetValueOrDefault(name)
                ?? throw new ConfigException(file, $"{where}.name", $"unknown algorithm '{name}' (known: {string.Join(", ", AlgorithmTypes.Keys)})");
            var settings = o.DeepClone().AsObject();
            settings.Remove("name");
            foreach (var key in new[] { "model_inputs" }) settings.Remove(key);
            return (Algorithm)As(settings, type, where)!;
        }

        public TrainerOptions Training(JsonNode? n, string where) => As<TrainerOptions>(n, where) ?? new();

        public T? As<T>(JsonNode? n, string where) => (T?)As(n, typeof(T), where);

        private object? As(JsonNode? n, Type type, string where)
        {
            if (n is null) return null;
            try { return n.Deserialize(type, Json); }
            catch (JsonException e) { throw new ConfigException(file, e.Path is { Length: > 1 } p ? where + p[1..] : where, e.Message.Split(" Path:")[0], e); }
        }

        /// <summary>Every algorithm record in the library, by name (a new algorithm needs no entry here).</summary>
        private static readonly Dictionary<string, Type> AlgorithmTypes = typeof(Algorithm).Assembly.GetTypes()
            .Where(t => t.IsSubclassOf(typeof(Algorithm)) && !t.IsAbstract && t.GetConstructor(Type.EmptyTypes) is not null)
            .ToDictionary(t => ((Algorithm)Activator.CreateInstance(t)!).Name, t => t);
    }
}
