using System.Text.Json;
using System.Text.Json.Nodes;
using ValueDrift.Errors;
using ValueDrift.Experiments;
using ValueDrift.Training;
using ValueDrift.Training.Algorithms;

namespace ValueDrift.Attribution;

/// <summary>
/// A finished stage as its folder records it (stage.json, <see cref="StageManifest"/>): the <see cref="Stage"/>
/// rebuilt from its definition, the checkpoint it started from and the folder.
/// </summary>
public sealed record StageRecord(Stage Stage, string StartModel, string Directory)
{
    /// <summary>Reads stage.json in <paramref name="stageDirectory"/>; a missing or unreadable record is a <see cref="ConfigException"/> naming the field.</summary>
    public static StageRecord Read(string stageDirectory)
    {
        var path = StageManifest.PathIn(stageDirectory);
        var manifest = StageManifest.TryRead(stageDirectory)
            ?? throw new ConfigException(path, "definition", $"no stage record: {stageDirectory} is not a stage folder (run the stage first)");
        var definition = manifest["definition"] as JsonObject ?? throw new ConfigException(path, "definition", "missing");
        var locations = manifest["locations"] as JsonObject ?? throw new ConfigException(path, "locations", "missing");
        string Text(JsonObject o, string field, string where) =>
            o[field]?.GetValue<string>() ?? throw new ConfigException(path, $"{where}.{field}", "missing");
        try
        {
            var algorithmNode = definition["algorithm"] as JsonObject ?? throw new ConfigException(path, "definition.algorithm", "missing");
            var stage = new Stage
            {
                Name = Text(definition, "name", "definition"),
                Algorithm = ReadAlgorithm(algorithmNode, path),
                DataPath = Text(locations, "data", "locations"),
                Training = definition["training"]?.Deserialize<TrainerOptions>(Json) ?? throw new ConfigException(path, "definition.training", "missing"),
                ProbeEvery = definition["probe_every"]?.GetValue<int>() ?? Stage.DefaultProbeEvery,
                MaxLength = definition["max_length"]?.GetValue<int?>(),
                SkipBadRows = definition["skip_bad_rows"]?.GetValue<bool>() ?? false,
                Policy = definition["policy"]?.Deserialize<PolicyOptions>(Json) ?? new(),
            };
            var start = Text(locations, "start", "locations");
            if (!System.IO.Directory.Exists(start))
                throw new ConfigException(path, "locations.start", $"the stage's start model {start} is gone (a cleared or moved cache?): " +
                    "run the stage again (train, reproduce or attribute --world find its start model by content in the current cache and record where it is now)");
            return new StageRecord(stage, start, Path.GetFullPath(stageDirectory));
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new ConfigException(path, "definition", "cannot be read back as a stage: " + e.Message, e);
        }
    }

    private static Algorithm ReadAlgorithm(JsonObject node, string path)
    {
        var name = node["name"]?.GetValue<string>() ?? throw new ConfigException(path, "definition.algorithm.name", "missing");
        var settings = node.DeepClone().AsObject();
        settings.Remove("name");
        var known = AlgorithmRegistry.Find(name) ?? throw new ConfigException(path, "definition.algorithm.name", $"unknown algorithm '{name}'");
        if (!known.SupportsAttribution) throw new UnsupportedObjectiveException(path, name);
        return AlgorithmRegistry.Read(name, settings, Json);
    }

    private static JsonSerializerOptions Json => Common.SnakeCaseJson.Options;
}
