using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using ValueDrift.Errors;
using ValueDrift.Training;
using ValueDrift.Training.Algorithms;
using ValueDrift.World;

namespace ValueDrift.Experiments;

/// <summary>An SFT set of a recipe: a name (used in stage names) and a conversations file.</summary>
public sealed record RecipeSftSet(string Name, string Data);

/// <summary>
/// A preference set of a recipe; <paramref name="From"/> names the SFT sets it starts from (null: all) and
/// <paramref name="Algorithms"/> the labels of the recipe's algorithms run on it (null: all).
/// </summary>
public sealed record RecipePreferenceSet(string Name, string Data, IReadOnlyList<string>? From = null, IReadOnlyList<string>? Algorithms = null);

/// <summary>
/// A preference algorithm of a recipe with its settings, and its label in stage names (the algorithm's name unless
/// the recipe gives one, e.g. "ppo-kl0" for a PPO at another KL coefficient beside the default "ppo").
/// </summary>
public sealed record RecipeAlgorithm(Algorithm Algorithm, string Label)
{
    public RecipeAlgorithm(Algorithm algorithm) : this(algorithm, algorithm.Name) { }
    public static implicit operator RecipeAlgorithm(Algorithm algorithm) => new(algorithm);
}

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
/// The embedded synthetic world as a recipe's source (recipes/world.jsonc): its datasets, written into the run
/// folder, stand in for the data files, its base model (pretrained once, cached) for the checkpoint, and its probe
/// questions, judged exactly, for the probe set. Data entries then name world datasets (<c>sft-neutral</c>, …).
/// </summary>
public sealed record RecipeWorld
{
    /// <summary>Seed of the world: its datasets, its base model and the likelihood probe's reference answers.</summary>
    public int Seed { get; init; } = 1;
    /// <summary>World topics (ids); null: every topic.</summary>
    public IReadOnlyList<string>? Topics { get; init; }
    /// <summary>Dataset sizes and base model: <c>demo</c> (<see cref="WorldOptions.Demo"/>, <see cref="BaseModelRecipe.Default"/>) or <c>quick</c>.</summary>
    public WorldSize Size { get; init; } = WorldSize.Demo;
    /// <summary>Probe questions per topic (the world has 10).</summary>
    public int ProbeQuestionsPerTopic { get; init; } = 10;
    /// <summary>Also trace the likelihood probe (exact, cheap) beside the generation probe, into trace-likelihood.jsonl.</summary>
    public bool LikelihoodProbe { get; init; } = true;
}

/// <summary>The two shipped sizes of the world and its base model.</summary>
public enum WorldSize { Demo, Quick }

/// <summary>
/// The paper's grid as one declaration (docs/reproduce.md): a base checkpoint, SFT sets, preference sets, algorithms
/// with their settings and budgets, and how to probe. <see cref="Plan"/> turns it into stages — base → each SFT set →
/// each algorithm × preference set from each SFT checkpoint — run by <see cref="RecipeRunner"/> through the same
/// <see cref="StageRunner"/> as notebooks and the CLI. Read one with <see cref="Load"/>: JSON with comments, paths
/// relative to the recipe file, unknown keys refused.
/// </summary>
public sealed record Recipe
{
    /// <summary>The base checkpoint folder; null when <see cref="World"/> supplies the base model.</summary>
    public string? BaseModel { get; init; }
    /// <summary>The embedded world as the source of base model, data and probes (null: files).</summary>
    public RecipeWorld? World { get; init; }
    public required IReadOnlyList<RecipeSftSet> Sft { get; init; }
    public IReadOnlyList<RecipePreferenceSet> Preference { get; init; } = [];
    /// <summary>The preference algorithms, each with its settings (<c>{"name": "dpo", "beta": 0.1}</c>); defaults are the records'.</summary>
    public IReadOnlyList<RecipeAlgorithm> Algorithms { get; init; } = [new Dpo(), new SimPo(), new Ppo()];
    /// <summary>Names of preference stages, from <c>{algorithm}</c> (its label), <c>{preference}</c> and <c>{sft}</c>.</summary>
    public string PreferenceStageName { get; init; } = DefaultPreferenceStageName;
    public const string DefaultPreferenceStageName = "{algorithm}-{preference}-from-{sft}";
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
    /// <summary>A grid over the preference stages' settings, run by <c>valuedrift sweep</c> (<see cref="Experiments.Sweep"/>); null: none.</summary>
    public Sweep? Sweep { get; init; }

    /// <summary>The recipe of seed run <paramref name="index"/> (0: this recipe): every loop seed and the probe's sampling seed + index.</summary>
    public Recipe ForSeed(int index) => index == 0 ? this : this with
    {
        Seeds = 1,
        SftTraining = SftTraining with { Seed = SftTraining.Seed + index },
        PreferenceTraining = PreferenceTraining with { Seed = PreferenceTraining.Seed + index },
        AlgorithmTraining = AlgorithmTraining.ToDictionary(kv => kv.Key, kv => kv.Value with { Seed = kv.Value.Seed + index }),
        // the world, its base model and its probe questions stay; only training and sampling follow the seed
        Probes = Probes with { Generation = Probes.Generation with { Seed = Probes.Generation.Seed + index } },
    };

    /// <summary>Sub-folder of a recipe run holding the runs of seeds after the first.</summary>
    public const string SeedsFolder = "seeds";

    /// <summary>The algorithm labelled <paramref name="label"/> as a <typeparamref name="T"/>, or null when there is none (or it is another method).</summary>
    public T? Labelled<T>(string label) where T : Algorithm => Algorithms.FirstOrDefault(a => a.Label == label)?.Algorithm as T;

    /// <summary>The run folder of seed run <paramref name="index"/>: the run folder itself for 0, else seeds/seed-K below it.</summary>
    public static string SeedFolder(string outputDirectory, int index) =>
        index == 0 ? outputDirectory : Path.Combine(outputDirectory, SeedsFolder, $"seed-{index}");

    /// <summary>
    /// The stages in order: every SFT set from the base model, then every algorithm × preference set from each SFT
    /// stage it names. <paramref name="data"/> turns a data entry into a file (for a world recipe: a world dataset
    /// name into its file in the run folder); <paramref name="baseModel"/> replaces <see cref="BaseModel"/> (the
    /// world's base model, known once it is pretrained or read from the cache).
    /// </summary>
    public StagePlan Plan(Func<string, string>? data = null, string? baseModel = null)
    {
        data ??= d => d;
        var stages = new List<PlannedStage>();
        foreach (var sft in Sft)
            stages.Add(new PlannedStage(new Stage
            {
                Name = $"sft-{sft.Name}", Algorithm = new Sft(), DataPath = data(sft.Data), Training = SftTraining, ProbeEvery = Probes.Every, MaxLength = MaxLength,
            }, null));
        foreach (var sft in Sft)
            foreach (var pref in Preference.Where(p => p.From is null || p.From.Contains(sft.Name)))
                foreach (var (algorithm, label) in Algorithms.Where(a => pref.Algorithms is null || pref.Algorithms.Contains(a.Label)))
                    stages.Add(new PlannedStage(new Stage
                    {
                        Name = StageName(label, pref.Name, sft.Name), Algorithm = algorithm, DataPath = data(pref.Data),
                        Training = Budget?.Loop(algorithm, PreferenceTraining) ?? AlgorithmTraining.GetValueOrDefault(label) ?? PreferenceTraining,
                        ProbeEvery = Budget is null ? Probes.Every : Math.Max(1, Probes.Every / algorithm.UpdatesPerStep), MaxLength = MaxLength,
                    }, $"sft-{sft.Name}"));
        return new StagePlan(baseModel ?? BaseModel ?? throw new ConfigException("recipe", "base_model", "missing: a recipe needs a base model folder or a world"), stages);
    }

    /// <summary>The algorithm label of each preference stage <see cref="Plan"/> makes, by stage name (what a <see cref="Sweep"/> key addresses).</summary>
    public IReadOnlyDictionary<string, string> PreferenceLabels()
    {
        var labels = new Dictionary<string, string>();
        foreach (var sft in Sft)
            foreach (var pref in Preference.Where(p => p.From is null || p.From.Contains(sft.Name)))
                foreach (var (_, label) in Algorithms.Where(a => pref.Algorithms is null || pref.Algorithms.Contains(a.Label)))
                    labels[StageName(label, pref.Name, sft.Name)] = label;
        return labels;
    }

    private string StageName(string algorithm, string preference, string sft) =>
        PreferenceStageName.Replace("{algorithm}", algorithm).Replace("{preference}", preference).Replace("{sft}", sft);

    /// <summary>The recipe as JSON in the form <see cref="Load"/> reads (paths absolute), kept in the run folder as recipe.json.</summary>
    public string ToJson()
    {
        var json = new JsonSerializerOptions(ReaderJson) { WriteIndented = true };
        JsonNode? Node<T>(T value) => JsonSerializer.SerializeToNode(value, json);
        var algorithms = new JsonArray(Algorithms.Select(a =>
        {
            var d = a.Algorithm.Describe();
            if (a.Label != a.Algorithm.Name) d.Insert(1, "label", a.Label);
            return (JsonNode)d;
        }).ToArray());
        var training = new JsonObject
        {
            ["sft"] = Node(SftTraining), ["preference"] = Node(PreferenceTraining),
            ["algorithms"] = new JsonObject(AlgorithmTraining.Select(kv => KeyValuePair.Create(kv.Key, Node(kv.Value)))),
        };
        var root = new JsonObject
        {
            ["base_model"] = BaseModel, ["world"] = World is null ? null : Node(World),
            ["sft"] = Node(Sft), ["preference"] = Node(Preference), ["algorithms"] = algorithms, ["preference_stage_name"] = PreferenceStageName, ["training"] = training,
            ["probes"] = new JsonObject { ["file"] = Probes.File, ["judge"] = Probes.Judge, ["generation"] = Node(Probes.Generation), ["every"] = Probes.Every },
            ["max_length"] = MaxLength, ["budget"] = Budget is null ? null : Node(Budget), ["seeds"] = Seeds,
        };
        if (Sweep is not null) root["sweep"] = Sweep.ToJson();
        foreach (var a in algorithms) a!.AsObject().Remove("effective_gamma");
        if (BaseModel is null) root.Remove("base_model");
        if (World is null) root.Remove("world");
        foreach (var p in root["preference"]!.AsArray())
            foreach (var key in new[] { "from", "algorithms" })
                if (p![key] is null) p.AsObject().Remove(key);
        return root.ToJsonString(json);
    }

    private static JsonSerializerOptions ReaderJson => Common.SnakeCaseJson.Strict;

    /// <summary>Reads a recipe file; every problem is a <see cref="ConfigException"/> naming the file and the key.</summary>
    public static Recipe Load(string path)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { throw new ConfigException(path, "(file)", "recipe not found", e); }
        return Parse(text, path);
    }

    /// <summary>Reads a recipe from its text; paths are relative to <paramref name="path"/>'s folder. <see cref="Load"/> reads files through it.</summary>
    public static Recipe Parse(string text, string path) => ParseKeys(text, path).Validated(path);

    /// <summary>
    /// A recipe from its text with its keys checked but not its plan (<see cref="Validated"/>): the embedded world
    /// recipe, which every run plans at its own sizes and validates there, so the demo validates each of its stages
    /// once (the file itself is read whole by <see cref="Load"/> in the fast tests).
    /// </summary>
    internal static Recipe ParseKeys(string text, string path)
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }) as JsonObject
                ?? throw new ConfigException(path, "(root)", "a recipe is a JSON object");
        }
        catch (JsonException e) { throw new ConfigException(path, "(root)", "not valid JSON: " + e.Message, e); }
        return Read(root, path);
    }

    private static Recipe Read(JsonObject root, string path)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var reader = new Reader(path, dir);
        reader.Only(root, "", "base_model", "world", "sft", "preference", "algorithms", "preference_stage_name", "training", "probes", "max_length", "budget", "seeds", "sweep");
        var training = reader.Object(root, "training");
        reader.Only(training, "training", ["sft", "preference", "algorithms"]);
        var probes = reader.Object(root, "probes", required: true)!;
        reader.Only(probes, "probes", "file", "judge", "generation", "every");
        var algorithmTraining = reader.Object(training, "algorithms", "training.algorithms");
        var world = reader.As<RecipeWorld>(root["world"], "world");
        if (world is not null)
        {
            if (root["base_model"] is not null) throw new ConfigException(path, "base_model", "a world recipe takes the world's base model: give base_model or world, not both");
            if (probes["file"] is not null) throw new ConfigException(path, "probes.file", "a world recipe probes with the world's questions: remove probes.file");
            WorldTopics.Select(world.Topics, path, "world.topics");
            if (world.ProbeQuestionsPerTopic < 1) throw new ConfigException(path, "world.probe_questions_per_topic", $"must be ≥ 1, got {world.ProbeQuestionsPerTopic}");
        }
        var recipe = new Recipe
        {
            BaseModel = world is null ? reader.Folder(root, "base_model") : null,
            World = world,
            Sft = reader.Array(root, "sft", required: true).Select((n, i) => reader.SftSet(n, $"sft[{i}]", world is not null)).ToList(),
            Preference = reader.Array(root, "preference").Select((n, i) => reader.PreferenceSet(n, $"preference[{i}]", world is not null)).ToList(),
            Algorithms = root["algorithms"] is null ? new Recipe { Sft = [], Probes = new() { Judge = "" } }.Algorithms
                : reader.Array(root, "algorithms").Select((n, i) => reader.Algorithm(n, $"algorithms[{i}]")).ToList(),
            PreferenceStageName = root["preference_stage_name"] is null ? DefaultPreferenceStageName : reader.StageNameTemplate(root, "preference_stage_name"),
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
            Sweep = root["sweep"] is { } sweep ? Experiments.Sweep.FromJson(sweep, path) : null,
        };
        if (world is not null && !recipe.Probes.Judge.Equals("world", StringComparison.OrdinalIgnoreCase))
            throw new ConfigException(path, "probes.judge", $"a world recipe is judged by the world's exact judge: use \"world\", not '{recipe.Probes.Judge}'");
        if (recipe.Seeds < 1) throw new ConfigException(path, "seeds", $"must be ≥ 1, got {recipe.Seeds}");
        if (recipe.Budget is not null && recipe.AlgorithmTraining.Count > 0)
            throw new ConfigException(path, "training.algorithms", "give either a budget (one for every algorithm) or per-algorithm loop options, not both");
        foreach (var label in recipe.Algorithms.GroupBy(a => a.Label).Where(g => g.Count() > 1).Select(g => g.Key))
            throw new ConfigException(path, "algorithms", $"two algorithms are labelled '{label}': give each a distinct \"label\"");
        foreach (var p in recipe.Preference)
        {
            foreach (var from in p.From ?? [])
                if (!recipe.Sft.Any(s => s.Name == from))
                    throw new ConfigException(path, $"preference '{p.Name}'.from", $"'{from}' is not an SFT set of the recipe");
            foreach (var label in p.Algorithms ?? [])
                if (!recipe.Algorithms.Any(a => a.Label == label))
                    throw new ConfigException(path, $"preference '{p.Name}'.algorithms", $"'{label}' is not an algorithm label of the recipe (known: {string.Join(", ", recipe.Algorithms.Select(a => a.Label))})");
        }
        foreach (var name in recipe.AlgorithmTraining.Keys)
            if (!recipe.Algorithms.Any(a => a.Label == name))
                throw new ConfigException(path, $"training.algorithms.{name}", $"no algorithm '{name}' in the recipe");
        return recipe;
    }

    /// <summary>
    /// Recipes whose plan <see cref="Validated"/> checked, by instance (a weak table: nothing is kept alive). Not a
    /// field of the record, because <c>with</c> copies every field and a copy may plan other stages.
    /// </summary>
    private static readonly ConditionalWeakTable<Recipe, string> ValidatedRecipes = new();

    /// <summary>
    /// This recipe with its plan checked before any work: every stage valid (<see cref="StagePlan.Validate"/>: names,
    /// loop options, each algorithm's settings) and its sweep's keys known, each problem a <see cref="ConfigException"/>
    /// naming <paramref name="path"/> and the key. <see cref="Load"/> ends with it. The check is remembered for this
    /// instance (and its <see cref="WithSeeds"/> copies), so its run (<see cref="RecipeRunner"/>) validates no stage a
    /// second time: the plan each seed run builds differs from the one checked here only in data paths, base model and
    /// seeds, which no check reads. A copy made with <c>with</c> may plan other stages: its run validates them.
    /// </summary>
    public Recipe Validated(string path)
    {
        try
        {
            var plan = Plan(baseModel: BaseModel ?? "world");
            plan.Validate();
            Sweep?.Expand(this, plan, path);
        }
        catch (ConfigException e) { throw new ConfigException(path, e.File == "budget" ? "budget." + e.Field : e.Field, e.Message, e); }
        ValidatedRecipes.AddOrUpdate(this, path);
        return this;
    }

    /// <summary>Whether <see cref="Validated"/> checked this very instance (or the one <see cref="WithSeeds"/> copied it from).</summary>
    internal bool PlanValidated => ValidatedRecipes.TryGetValue(this, out _);

    /// <summary>This recipe run <paramref name="seeds"/> times (<see cref="Seeds"/>), still <see cref="Validated"/> if it was: the number of runs enters no stage.</summary>
    public Recipe WithSeeds(int seeds)
    {
        if (seeds < 1) throw new ConfigException("recipe", "seeds", $"must be ≥ 1, got {seeds}");
        var copy = this with { Seeds = seeds };
        if (ValidatedRecipes.TryGetValue(this, out var path)) ValidatedRecipes.AddOrUpdate(copy, path);
        return copy;
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

        public RecipeSftSet SftSet(JsonNode n, string where, bool world)
        {
            if (n is not JsonObject o) throw new ConfigException(file, where, "must be an object");
            Only(o, where, "name", "data");
            return new RecipeSftSet(Name(o, where), Data(o, $"{where}.data", world, WorldDatasets.NeutralSft, WorldDatasets.SupportiveSft));
        }

        public RecipePreferenceSet PreferenceSet(JsonNode n, string where, bool world)
        {
            if (n is not JsonObject o) throw new ConfigException(file, where, "must be an object");
            Only(o, where, "name", "data", "from", "algorithms");
            return new RecipePreferenceSet(Name(o, where),
                Data(o, $"{where}.data", world, WorldDatasets.StandardPreference, WorldDatasets.SupportAligned, WorldDatasets.OpposeAligned),
                o["from"] is null ? null : As<List<string>>(o["from"], $"{where}.from"),
                o["algorithms"] is null ? null : As<List<string>>(o["algorithms"], $"{where}.algorithms"));
        }

        /// <summary>A data file relative to the recipe, or for a world recipe one of the world's datasets by name.</summary>
        private string Data(JsonObject o, string where, bool world, params string[] worldDatasets)
        {
            if (!world) return File(o, "data", where);
            var name = String(o, "data", where);
            return worldDatasets.Contains(name) ? name : throw new ConfigException(file, where, $"'{name}' is not a world dataset of this kind (known: {string.Join(", ", worldDatasets)})");
        }

        public string StageNameTemplate(JsonObject o, string key)
        {
            var template = String(o, key, key);
            var rest = template.Replace("{algorithm}", "").Replace("{preference}", "").Replace("{sft}", "");
            if (!template.Contains("{algorithm}") || !template.Contains("{preference}") || rest.Contains('{') || rest.Contains('}'))
                throw new ConfigException(file, key, $"'{template}': use {{algorithm}} and {{preference}}, optionally {{sft}}, and no other placeholder");
            return template;
        }

        private string Name(JsonObject o, string where, string key = "name")
        {
            var name = String(o, key, $"{where}.{key}");
            if (name.Any(c => !(char.IsLetterOrDigit(c) || c is '-' or '_' or '.')))
                throw new ConfigException(file, $"{where}.{key}", $"'{name}': use letters, digits, '-', '_' and '.' (it names folders)");
            return name;
        }

        public RecipeAlgorithm Algorithm(JsonNode n, string where)
        {
            if (n is not JsonObject o) throw new ConfigException(file, where, "must be an object");
            var name = String(o, "name", $"{where}.name");
            var type = AlgorithmRegistry.Find(name)?.GetType()
                ?? throw new ConfigException(file, $"{where}.name", $"unknown algorithm '{name}' (known: {string.Join(", ", AlgorithmRegistry.Names)})");
            var settings = o.DeepClone().AsObject();
            settings.Remove("name");
            settings.Remove("label");
            foreach (var key in new[] { "model_inputs" }) settings.Remove(key);
            var algorithm = (Algorithm)As(settings, type, where)!;
            return o["label"] is null ? new RecipeAlgorithm(algorithm) : new RecipeAlgorithm(algorithm, Name(o, where, "label"));
        }

        public TrainerOptions Training(JsonNode? n, string where) => As<TrainerOptions>(n, where) ?? new();

        public T? As<T>(JsonNode? n, string where) => (T?)As(n, typeof(T), where);

        private object? As(JsonNode? n, Type type, string where)
        {
            if (n is null) return null;
            try { return n.Deserialize(type, Json); }
            catch (JsonException e) { throw new ConfigException(file, e.Path is { Length: > 1 } p ? where + p[1..] : where, e.Message.Split(" Path:")[0], e); }
        }
    }
}
