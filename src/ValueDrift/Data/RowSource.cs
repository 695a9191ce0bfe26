using System.Text.Json;
using System.Text.Json.Nodes;
using Parquet.Serialization;
using ValueDrift.Errors;

namespace ValueDrift.Data;

/// <summary>One raw row: its object, or the error that kept it from being read (bad JSON, not an object).</summary>
internal readonly record struct RawRow(long Row, JsonObject? Object, DataFormatException? Error);

/// <summary>
/// Turns a dataset file into JSON objects, one per row, so that one set of row parsers serves every container:
/// JSONL (one object per line; blank lines skipped), a <c>.json</c> file holding one array of objects, and Parquet
/// (nested lists and structs become JSON arrays and objects).
/// </summary>
internal static class RowSource
{
    public static IEnumerable<RawRow> Read(string file)
    {
        if (!File.Exists(file)) throw new DataFormatException(file, null, null, "file not found");
        var ext = Path.GetExtension(file).ToLowerInvariant();
        return ext switch
        {
            ".parquet" => ReadParquet(file),
            ".json" when StartsWithArray(file) => ReadJsonArray(file),
            ".jsonl" or ".json" or ".ndjson" => ReadJsonl(file),
            _ => throw new DataFormatException(file, null, null, $"unknown file type '{ext}' (expected .jsonl, .json or .parquet)"),
        };
    }

    private static IEnumerable<RawRow> ReadJsonl(string file)
    {
        long row = 0;
        foreach (var line in File.ReadLines(file))
        {
            row++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            JsonNode? node;
            DataFormatException? error = null;
            try { node = JsonNode.Parse(line); }
            catch (JsonException ex) { node = null; error = new DataFormatException(file, row, null, "not valid JSON: " + ex.Message, ex); }
            yield return Wrap(file, row, node, error);
        }
    }

    private static bool StartsWithArray(string file)
    {
        using var reader = new StreamReader(file);
        int c;
        while ((c = reader.Read()) >= 0 && char.IsWhiteSpace((char)c)) { }
        return c == '[';
    }

    private static IEnumerable<RawRow> ReadJsonArray(string file)
    {
        JsonArray array;
        try { array = JsonNode.Parse(File.ReadAllText(file))!.AsArray(); }
        catch (JsonException ex) { throw new DataFormatException(file, null, null, "not valid JSON: " + ex.Message, ex); }
        for (var i = 0; i < array.Count; i++) yield return Wrap(file, i + 1, array[i], null);
    }

    private static IEnumerable<RawRow> ReadParquet(string file)
    {
        IList<Dictionary<string, object>> data;
        try
        {
            // Parquet.Net reads whole row groups; the whole file is held in memory, fine for SFT/DPO-sized sets.
            using var stream = File.OpenRead(file);
            data = ParquetSerializer.DeserializeUntypedAsync(stream).GetAwaiter().GetResult().Data;
        }
        catch (Exception ex) when (ex is Parquet.ParquetException or Parquet.Meta.Proto.ThriftProtocolException or IOException or InvalidDataException
            or NotSupportedException or InvalidOperationException or ArgumentException or FormatException or IndexOutOfRangeException)
        {
            throw new DataFormatException(file, null, null, "not a readable Parquet file: " + ex.Message, ex);
        }
        for (var i = 0; i < data.Count; i++) yield return Wrap(file, i + 1, JsonSerializer.SerializeToNode(data[i]), null);
    }

    private static RawRow Wrap(string file, long row, JsonNode? node, DataFormatException? error) =>
        error is not null ? new RawRow(row, null, error)
        : node is JsonObject o ? new RawRow(row, o, null)
        : new RawRow(row, null, new DataFormatException(file, row, null, $"expected a JSON object, found {Kind(node)}"));

    internal static string Kind(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject => "an object",
        JsonArray => "an array",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => "a string",
            JsonValueKind.Number => "a number",
            JsonValueKind.True or JsonValueKind.False => "a boolean",
            _ => "null",
        },
        _ => "something else",
    };
}
