using System.Text.Json;
using System.Text.Json.Nodes;

namespace ValueDrift.Benchmarks;

/// <summary>
/// The machine-readable results of one run (<c>benchmarks/run.sh --json FILE</c>), one array per target:
/// <code>
/// { "generation": [{"model", "new_tokens", "speedup"}],            KV cache over recomputing the prefix
///   "reference":  [{"shape", "cached_over_live"}],                  cached DPO reference time / live reference time
///   "training":   [{"step", "shape", "speed_vs_pytorch", "pct_of_matmul"}],   pct_of_matmul in percent (50 = half)
///   "probe":      [{"method", "answers_per_second", "batch"}],      method "generation" or "likelihood"
///   "demo":       {"seconds", "phases": {phase: seconds}},          the one-seed demo from an empty cache (the 8-minute
///                                                                   target); the Quick demo, base model cached, when that
///                                                                   section did not run
///   "loaded":     {"generation", "reference", …} or null }          the same, beside one busy core (--background-load)
/// </code>
/// With both demo sections the Quick demo is under "quick_demo".
/// Other sections (e.g. attribution) add a top-level entry of their own with <see cref="Set"/>. Every array is
/// present even when its section did not run (<c>--only</c>), so a reader can rely on the keys; <c>demo</c> is null then.
/// <c>"loaded"</c> holds the same measurements taken beside one busy core (<c>--background-load</c>): an object with
/// the same keys as the idle figures around it (no "loaded" of its own), filled through <see cref="Loaded"/>; null
/// when the run measured idle only.
/// </summary>
public sealed class BenchmarkJson
{
    private readonly JsonArray _generation = [], _reference = [], _training = [], _probe = [];
    private JsonObject? _demo;
    private readonly JsonObject _extra = [];
    private readonly BenchmarkJson? _loaded;

    /// <param name="measuresLoaded">Whether the run also measures beside one busy core (<c>--background-load</c>).</param>
    public BenchmarkJson(bool measuresLoaded = false) => _loaded = measuresLoaded ? new BenchmarkJson() : null;

    /// <summary>Where the figures measured beside one busy core go; null when the run measures idle only.</summary>
    public BenchmarkJson? Loaded => _loaded;

    /// <summary>The figures of one load condition: this object when idle, <see cref="Loaded"/> when busy.</summary>
    public BenchmarkJson For(Load load) => !load.Busy ? this
        : _loaded ?? throw new InvalidOperationException("this run measures idle only: create it with measuresLoaded");

    public void AddGeneration(string model, int newTokens, double speedup) =>
        _generation.Add(new JsonObject { ["model"] = model, ["new_tokens"] = newTokens, ["speedup"] = Finite(speedup) });

    public void AddReference(string shape, double cachedOverLive) =>
        _reference.Add(new JsonObject { ["shape"] = shape, ["cached_over_live"] = Finite(cachedOverLive) });

    /// <param name="pctOfMatmul">Achieved FLOP/s as a percentage of the matmul rate (50 = half).</param>
    public void AddTraining(string step, string shape, double speedVsPytorch, double pctOfMatmul) =>
        _training.Add(new JsonObject { ["step"] = step, ["shape"] = shape, ["speed_vs_pytorch"] = Finite(speedVsPytorch), ["pct_of_matmul"] = Finite(pctOfMatmul) });

    public void AddProbe(string method, double answersPerSecond, int batch) =>
        _probe.Add(new JsonObject { ["method"] = method, ["answers_per_second"] = Finite(answersPerSecond), ["batch"] = batch });

    public void SetDemo(double seconds, IReadOnlyDictionary<string, double> phases) => _demo = DemoObject(seconds, phases);

    /// <summary>A demo's wall time and phase profile: <c>{"seconds", "phases": {phase: seconds}}</c>.</summary>
    public static JsonObject DemoObject(double seconds, IReadOnlyDictionary<string, double> phases)
    {
        var p = new JsonObject();
        foreach (var (name, s) in phases) p[name] = Finite(s);
        return new JsonObject { ["seconds"] = Finite(seconds), ["phases"] = p };
    }

    /// <summary>A further top-level section (not one of the five above, nor "loaded").</summary>
    public void Set(string section, JsonNode value)
    {
        if (section is "generation" or "reference" or "training" or "probe" or "demo" or "loaded")
            throw new ArgumentException($"'{section}' is one of the fixed sections; use its Add method", nameof(section));
        _extra[section] = value;
    }

    public string ToJson()
    {
        var root = Figures();
        root["loaded"] = _loaded?.Figures();
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    private JsonObject Figures()
    {
        var root = new JsonObject
        {
            ["generation"] = _generation.DeepClone(), ["reference"] = _reference.DeepClone(), ["training"] = _training.DeepClone(),
            ["probe"] = _probe.DeepClone(), ["demo"] = _demo?.DeepClone(),
        };
        foreach (var (k, v) in _extra) root[k] = v?.DeepClone();
        return root;
    }

    public void Write(string path)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        IO.AtomicFile.WriteAllText(full, ToJson());
    }

    // JSON has no NaN or infinity: a measurement that failed that way is written as null rather than as a number.
    private static JsonNode? Finite(double x) => double.IsFinite(x) ? JsonValue.Create(Math.Round(x, 4)) : null;
}
