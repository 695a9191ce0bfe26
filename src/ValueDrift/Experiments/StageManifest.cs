using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using ValueDrift.Errors;

namespace ValueDrift.Experiments;

/// <summary>
/// A stage folder's <c>stage.json</c>: the full <see cref="Stage"/>, the fingerprints of what it read (data file,
/// start checkpoint, any reference or reward model) and where those were. The <c>definition</c> part decides whether a
/// folder holds this stage: <see cref="StageRunner"/> reuses or resumes a folder only when the definitions are equal.
/// Paths are kept under <c>locations</c>, for the reader, and are not compared (a moved run folder still matches).
/// <para>Fingerprints: a data file's SHA-256; a model folder's SHA-256 over its config.json and, per weights file,
/// name, size and the first and last MiB (hashing all of an 8B checkpoint would take a minute per stage).</para>
/// </summary>
public static class StageManifest
{
    public const string FileName = "stage.json";

    public static string PathIn(string stageDirectory) => Path.Combine(stageDirectory, FileName);

    /// <summary>The manifest of <paramref name="stage"/> started from <paramref name="startModel"/>.</summary>
    public static JsonObject Describe(Stage stage, string startModel)
    {
        var training = JsonSerializer.SerializeToNode(stage.Training, Json)!.AsObject();
        var models = new JsonObject { ["start"] = ModelFingerprint(startModel) };
        var locations = new JsonObject { ["data"] = Path.GetFullPath(stage.DataPath), ["start"] = Path.GetFullPath(startModel) };
        foreach (var (role, path) in stage.Algorithm.ModelInputs())
        {
            models[role] = ModelFingerprint(path);
            locations[role] = Path.GetFullPath(path);
        }
        return new JsonObject
        {
            ["definition"] = new JsonObject
            {
                ["name"] = stage.Name,
                ["algorithm"] = stage.Algorithm.Describe(),
                ["training"] = training,
                ["probe_every"] = stage.ProbeEvery,
                ["max_length"] = stage.MaxLength,
                ["policy"] = JsonSerializer.SerializeToNode(stage.Policy with { DeviceMemoryBytes = null }, Json),
                ["skip_bad_rows"] = stage.SkipBadRows,
                ["data_sha256"] = FileSha256(stage.DataPath),
                ["models"] = models,
            },
            ["locations"] = locations,
            ["written_utc"] = DateTime.UtcNow.ToString("O"),
        };
    }

    /// <summary>The folder's manifest, or null when it has none.</summary>
    public static JsonObject? TryRead(string stageDirectory)
    {
        var path = PathIn(stageDirectory);
        if (!File.Exists(path)) return null;
        try { return JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new JsonException("not an object"); }
        catch (JsonException e) { throw new ConfigException(path, "definition", "not valid JSON: " + e.Message, e); }
    }

    public static void Write(string stageDirectory, JsonObject manifest)
    {
        Directory.CreateDirectory(stageDirectory);
        IO.AtomicFile.WriteAllText(PathIn(stageDirectory), manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>Every field of the two definitions that differs, as "path: old → new" (e.g. "algorithm.beta: 0.1 → 0.5").</summary>
    public static IReadOnlyList<string> Differences(JsonObject existing, JsonObject wanted)
    {
        var a = Flatten(existing["definition"]);
        var b = Flatten(wanted["definition"]);
        return a.Keys.Union(b.Keys).Order(StringComparer.Ordinal)
            .Where(k => a.GetValueOrDefault(k) != b.GetValueOrDefault(k))
            .Select(k => $"{k}: {a.GetValueOrDefault(k) ?? "(absent)"} → {b.GetValueOrDefault(k) ?? "(absent)"}")
            .ToList();
    }

    /// <summary>Whether the two manifests record different paths for their inputs (their definitions may still match).</summary>
    public static bool LocationsDiffer(JsonObject existing, JsonObject wanted) =>
        !JsonNode.DeepEquals(existing["locations"], wanted["locations"]);

    /// <summary>The inputs recorded at one place and wanted at another ("start: /old → /new"), in the record's order.</summary>
    public static IReadOnlyList<string> MovedLocations(JsonObject existing, JsonObject wanted)
    {
        var before = Flatten(existing["locations"]);
        return Flatten(wanted["locations"]).Where(kv => before.GetValueOrDefault(kv.Key) != kv.Value)
            .Select(kv => $"{kv.Key}: {Unquote(before.GetValueOrDefault(kv.Key))} → {Unquote(kv.Value)}").ToList();
    }

    private static string Unquote(string? json) => json is null ? "(none)" : JsonNode.Parse(json)?.GetValue<string>() ?? "(none)";

    private static Dictionary<string, string?> Flatten(JsonNode? node)
    {
        var result = new Dictionary<string, string?>(StringComparer.Ordinal);
        void Walk(JsonNode? n, string prefix)
        {
            if (n is JsonObject o) foreach (var (k, v) in o) Walk(v, prefix.Length == 0 ? k : prefix + "." + k);
            else result[prefix] = n?.ToJsonString();
        }
        Walk(node, "");
        return result;
    }

    private static string FileSha256(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return Convert.ToHexStringLower(SHA256.HashData(stream));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ValueDriftException($"{path}: data file not found", e);
        }
    }

    private static string ModelFingerprint(string folder) => Models.ModelFingerprint.Of(folder);

    private static JsonSerializerOptions Json => Common.SnakeCaseJson.Options;
}
