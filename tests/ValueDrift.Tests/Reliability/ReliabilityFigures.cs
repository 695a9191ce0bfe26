using System.Text.Json;
using System.Text.Json.Nodes;

namespace ValueDrift.Tests.Reliability;

/// <summary>
/// Collects the fuzz counts of the last run into <c>reliability-figures.json</c> in the test output folder, one entry
/// per reader (an entry is replaced when its reader runs again, so a filtered run keeps the other readers' figures).
/// docs/reliability.md quotes this file.
/// </summary>
public static class ReliabilityFigures
{
    public static string FilePath { get; } = Path.Combine(AppContext.BaseDirectory, "reliability-figures.json");

    private static readonly object Gate = new();

    public static void Record(FuzzCounts c)
    {
        lock (Gate)
        {
            JsonObject root;
            try { root = JsonNode.Parse(File.ReadAllText(FilePath)) as JsonObject ?? new JsonObject(); }
            catch (Exception e) when (e is IOException or JsonException) { root = new JsonObject(); }
            if (root["readers"] is not JsonObject readers) root["readers"] = readers = new JsonObject();
            readers[c.Reader] = new JsonObject
            {
                ["seed"] = c.Seed,
                ["cases"] = c.Cases,
                ["successes"] = c.Successes,
                ["typed_errors"] = c.TypedErrors,
                ["other_outcomes"] = c.Cases - c.Successes - c.TypedErrors,
                ["seconds"] = c.Seconds,
                ["utc"] = DateTime.UtcNow.ToString("O"),
            };
            var sorted = new JsonObject(readers.OrderBy(kv => kv.Key, StringComparer.Ordinal)
                .Select(kv => KeyValuePair.Create(kv.Key, kv.Value?.DeepClone())));
            root["readers"] = sorted;
            root["total_cases"] = sorted.Sum(kv => kv.Value!["cases"]!.GetValue<int>());
            ValueDrift.IO.AtomicFile.WriteAllText(FilePath, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        }
    }
}
