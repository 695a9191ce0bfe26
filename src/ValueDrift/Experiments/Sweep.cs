using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ValueDrift.Common;
using ValueDrift.Errors;
using ValueDrift.Training;

namespace ValueDrift.Experiments;

/// <summary>
/// One axis of a sweep: a setting (<c>dpo.learning_rate</c>, <c>ppo.options.kl_coef</c>, <c>*.max_steps</c>) and the
/// values it takes, as written (JSON literals: <c>1e-5</c>, <c>true</c>, <c>"cosine"</c>).
/// </summary>
public sealed record SweepAxis(string Key, IReadOnlyList<string> Values)
{
    /// <summary>The algorithm label the key addresses (<c>*</c>: every swept algorithm).</summary>
    public string Target => Key[..Key.IndexOf('.')];
    /// <summary>The setting's path below the label: a loop option (<see cref="TrainerOptions"/>) or the record's JSON path.</summary>
    public string Setting => Key[(Key.IndexOf('.') + 1)..];
}

/// <summary>
/// A sweep over a recipe (docs/sweeps.md): a grid of settings and a number of seeds. Every preference stage of the
/// recipe whose algorithm the grid addresses becomes one variant per grid point × seed — the product of the values of
/// the keys addressing that algorithm (its label's and <c>*</c>'s) — each run through the one <see cref="StageRunner"/>
/// from the same start checkpoint. A key is <c>LABEL.SETTING</c>: SETTING is a loop option (<c>learning_rate</c>,
/// <c>max_steps</c>, …, as in the recipe's <c>training</c>) or a path in the algorithm record's JSON (<c>beta</c>,
/// <c>gamma_beta_ratio</c>, <c>options.kl_coef</c>; a bare name also finds it one group down, so <c>ppo.kl_coef</c>
/// works), so no method needs sweep code.
/// </summary>
public sealed record Sweep
{
    public required IReadOnlyList<SweepAxis> Grid { get; init; }
    /// <summary>Seeds per grid point: seed k (0-based) adds k to the stage's loop seed and the probe's sampling seed, as <see cref="Recipe.ForSeed"/> does.</summary>
    public int Seeds { get; init; } = 1;

    /// <summary>The loop options a key may set, by their JSON names.</summary>
    public static IReadOnlyList<string> LoopSettings { get; } =
        JsonSerializer.SerializeToNode(new TrainerOptions(), SnakeCaseJson.Options)!.AsObject().Select(kv => kv.Key).ToList();

    /// <summary>
    /// Reads <c>"a.x=1,2;b.y=3"</c> (the command line's <c>--grid</c>): axes split by ';', a key and its values by
    /// '=', values by ','. Every problem is a <see cref="ConfigException"/> naming <paramref name="where"/>.
    /// </summary>
    public static Sweep Parse(string grid, int seeds, string where = "--grid")
    {
        var axes = new List<SweepAxis>();
        foreach (var part in grid.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=');
            if (eq <= 0) throw new ConfigException(where, part, "write each axis as KEY=VALUE,VALUE (e.g. dpo.learning_rate=1e-5,5e-5)");
            axes.Add(new SweepAxis(part[..eq].Trim(), part[(eq + 1)..].Split(',', StringSplitOptions.TrimEntries).ToList()));
        }
        return Checked(new Sweep { Grid = axes, Seeds = seeds }, where);
    }

    /// <summary>Reads a recipe's <c>"sweep": {"grid": {"dpo.learning_rate": [1e-5, 5e-5]}, "seeds": 3}</c>.</summary>
    public static Sweep FromJson(JsonNode node, string file)
    {
        if (node is not JsonObject o) throw new ConfigException(file, "sweep", "must be an object");
        foreach (var (k, _) in o)
            if (k is not ("grid" or "seeds")) throw new ConfigException(file, $"sweep.{k}", "unknown key (known: grid, seeds)");
        if (o["grid"] is not JsonObject grid) throw new ConfigException(file, "sweep.grid", "missing, or not an object of KEY: [values]");
        var axes = grid.Select(kv => new SweepAxis(kv.Key, kv.Value is JsonArray a
            ? a.Select(v => v?.ToJsonString() is { } s && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : v?.ToJsonString() ?? "null").ToList()
            : throw new ConfigException(file, $"sweep.grid.{kv.Key}", "must be an array of values"))).ToList();
        int seeds = 1;
        if (o["seeds"] is { } s && !(s is JsonValue v && v.TryGetValue(out seeds)))
            throw new ConfigException(file, "sweep.seeds", "must be an integer");
        return Checked(new Sweep { Grid = axes, Seeds = seeds }, file, "sweep.");
    }

    private static Sweep Checked(Sweep sweep, string where, string prefix = "")
    {
        if (sweep.Grid.Count == 0) throw new ConfigException(where, prefix + "grid", "empty: give at least one KEY=VALUES");
        if (sweep.Seeds < 1) throw new ConfigException(where, prefix + "seeds", $"must be ≥ 1, got {sweep.Seeds}");
        foreach (var axis in sweep.Grid)
        {
            if (axis.Key.IndexOf('.') <= 0 || axis.Key.EndsWith('.'))
                throw new ConfigException(where, prefix + axis.Key, "a key is LABEL.SETTING (dpo.beta, ppo.kl_coef, *.max_steps)");
            if (axis.Values.Count == 0 || axis.Values.Any(v => v.Length == 0))
                throw new ConfigException(where, prefix + axis.Key, "give one or more values, separated by ','");
            if (axis.Values.Distinct().Count() != axis.Values.Count)
                throw new ConfigException(where, prefix + axis.Key, "a value is given twice");
        }
        foreach (var key in sweep.Grid.GroupBy(a => a.Key).Where(g => g.Count() > 1).Select(g => g.Key))
            throw new ConfigException(where, prefix + key, "the key is given twice");
        return sweep;
    }

    /// <summary>
    /// The sweep's plan: the recipe plan's stages that the variants start from (SFT stages, run once, shared), and the
    /// variants in a fixed order — by planned stage, then grid point (axes in the order given, the last varying
    /// fastest), then seed. A key naming no label of the recipe, or a setting the algorithm lacks, is a
    /// <see cref="ConfigException"/> naming the key and the valid ones.
    /// </summary>
    public SweepPlan Expand(Recipe recipe, StagePlan plan, string where = "--grid")
    {
        var labelOf = recipe.PreferenceLabels();
        var preference = plan.Stages.Where(p => labelOf.ContainsKey(p.Stage.Name)).ToList();
        var labels = preference.Select(p => labelOf[p.Stage.Name]).Distinct().ToList();
        bool onlyAll = Grid.All(a => a.Target == "*");
        foreach (var axis in Grid)
            if (axis.Target != "*" && !labels.Contains(axis.Target))
                throw new ConfigException(where, axis.Key, $"no algorithm labelled '{axis.Target}' among the recipe's preference stages (known: {string.Join(", ", labels.Append("*"))})");
        var points = new List<SweepPoint>();
        foreach (var planned in preference)
        {
            var label = labelOf[planned.Stage.Name];
            // a label's own keys choose its stages; '*' keys apply to those (or, alone, to every preference stage)
            if (!onlyAll && !Grid.Any(a => a.Target == label)) continue;
            var axes = Grid.Where(a => a.Target == label || a.Target == "*").ToList();
            foreach (var values in Product(axes))
            {
                var settings = axes.Zip(values, (a, v) => (a, v)).ToList();
                var stage = settings.Aggregate(planned.Stage, (s, av) => Apply(s, av.a, av.v, where));
                var suffix = string.Join(",", settings.Select(av => $"{ShortName(av.a.Setting)}={av.v}"));
                for (int k = 0; k < Seeds; k++)
                {
                    var name = $"{planned.Stage.Name}@{suffix}#s{k + 1}";
                    var variant = stage with { Name = name, Training = stage.Training with { Seed = stage.Training.Seed + k } };
                    variant.Validate();
                    points.Add(new SweepPoint(name, variant, planned.From!, planned.Stage.Name, label,
                        settings.Select(av => (av.a.Key, av.v)).ToList(), k));
                }
            }
        }
        var starts = points.Select(p => p.From).Distinct().ToHashSet();
        return new SweepPlan(new StagePlan(plan.BaseModel, plan.Stages.Where(p => starts.Contains(p.Stage.Name)).ToList()), points);
    }

    /// <summary>A short name for stage names: the last part of the path, learning_rate as lr.</summary>
    public static string ShortName(string setting)
    {
        var last = setting[(setting.LastIndexOf('.') + 1)..];
        return last switch { "learning_rate" => "lr", "max_steps" => "steps", _ => last };
    }

    private static IEnumerable<string[]> Product(IReadOnlyList<SweepAxis> axes)
    {
        IEnumerable<string[]> result = [[]];
        foreach (var axis in axes) result = result.SelectMany(prefix => axis.Values.Select(v => prefix.Append(v).ToArray()));
        return result;
    }

    /// <summary>The stage with one setting changed, through the loop options' or the algorithm record's JSON.</summary>
    internal static Stage Apply(Stage stage, SweepAxis axis, string value, string where)
    {
        var json = Literal(value);
        if (LoopSettings.Contains(axis.Setting))
        {
            var node = JsonSerializer.SerializeToNode(stage.Training, SnakeCaseJson.Options)!.AsObject();
            node[axis.Setting] = json;
            try { return stage with { Training = node.Deserialize<TrainerOptions>(SnakeCaseJson.Strict)! }; }
            catch (JsonException e) { throw new ConfigException(where, axis.Key, $"'{value}': {e.Message.Split(" Path:")[0]}", e); }
        }
        var settings = AlgorithmSettings(stage.Algorithm.Describe());
        var path = settings.Contains(axis.Setting) ? axis.Setting
            : settings.Where(s => s.EndsWith("." + axis.Setting, StringComparison.Ordinal)).ToList() is [var only] ? only
            : throw new ConfigException(where, axis.Key,
                $"'{axis.Setting}' is not a setting of {stage.Algorithm.Name} or of the training loop (valid: {string.Join(", ", settings.Concat(LoopSettings).Select(s => $"{axis.Target}.{s}"))})");
        try { return stage with { Algorithm = stage.Algorithm.WithSettings([(path, json)]) }; }
        catch (Exception e) when (e is JsonException or ConfigException or NotSupportedException)
        {
            throw new ConfigException(where, axis.Key, $"'{value}': {e.Message.Split(" Path:")[0]}", e);
        }
    }

    /// <summary>Every leaf setting of a record's JSON, by path (<c>beta</c>, <c>options.kl_coef</c>), without its name.</summary>
    private static IReadOnlyList<string> AlgorithmSettings(JsonObject described)
    {
        var paths = new List<string>();
        void Walk(JsonObject o, string prefix)
        {
            foreach (var (k, v) in o)
            {
                if (prefix.Length == 0 && k is "name" or "effective_gamma" or "model_inputs") continue;
                if (v is JsonObject child) Walk(child, prefix + k + ".");
                else paths.Add(prefix + k);
            }
        }
        Walk(described, "");
        return paths;
    }

    /// <summary>A value as JSON: a number, true/false/null or a quoted string as written; anything else as a string.</summary>
    private static JsonNode? Literal(string value)
    {
        try { return JsonNode.Parse(value); }
        catch (JsonException) { return JsonValue.Create(value); }
    }

    /// <summary>The grid as the command line writes it (recorded in sweep.json).</summary>
    public string GridText => string.Join(";", Grid.Select(a => $"{a.Key}={string.Join(",", a.Values)}"));

    /// <summary>The form <see cref="FromJson"/> reads.</summary>
    public JsonObject ToJson() => new()
    {
        ["grid"] = new JsonObject(Grid.Select(a => KeyValuePair.Create(a.Key, (JsonNode?)new JsonArray(a.Values.Select(v => Literal(v)).ToArray())))),
        ["seeds"] = Seeds,
    };

    /// <summary>A value of a point as a number, for charts; null when it is not one.</summary>
    public static double? Number(string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;
}

/// <summary>One variant of a sweep: its stage (named <c>STAGE@SETTING=VALUE,…#sK</c>), the stage it starts from, the planned stage and label it varies, its settings and seed index.</summary>
public sealed record SweepPoint(string Name, Stage Stage, string From, string Planned, string Label,
    IReadOnlyList<(string Key, string Value)> Settings, int SeedIndex);

/// <summary>What a sweep runs: the shared stages the variants start from, then every variant.</summary>
public sealed record SweepPlan(StagePlan Start, IReadOnlyList<SweepPoint> Points);
