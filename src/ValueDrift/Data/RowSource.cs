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
        long cap = DatasetLimits.MaxLineBytes;
        foreach (var line in JsonlLines.Read(file, cap))
        {
            long row = line.Row;
            if (line.TooLong)
            {
                yield return new RawRow(row, null, new DataFormatException(file, row, null,
                    $"the line is longer than the cap of {cap >> 20} MiB per line ({DatasetLimits.HowToRaise} raises it)"));
                continue;
            }
            if (IsBlank(line.Bytes.Span)) continue;
            JsonNode? node = null;
            DataFormatException? error = null;
            if (!System.Text.Unicode.Utf8.IsValid(line.Bytes.Span))
                error = new DataFormatException(file, row, null, "not valid UTF-8 (the file must be UTF-8 encoded)");
            else
            {
                try { node = JsonNode.Parse(line.Bytes.Span, documentOptions: Strict); }
                catch (JsonException ex) { error = new DataFormatException(file, row, null, "not valid JSON: " + ex.Message, ex); }
                catch (InvalidOperationException ex) { error = NotUtf16(file, row, ex); }
            }
            yield return Wrap(file, row, node, error);
        }
    }

    private static bool IsBlank(ReadOnlySpan<byte> line)
    {
        foreach (var b in line) if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\f' or (byte)'\v')) return false;
        return true;
    }

    // Duplicate keys are refused while parsing: JsonNode would otherwise throw ArgumentException on first access.
    private static readonly JsonDocumentOptions Strict = new() { AllowDuplicateProperties = false };

    // The duplicate-key check reads every key; an escaped lone surrogate ("\ud800") in one throws InvalidOperationException.
    private static DataFormatException NotUtf16(string file, long? row, InvalidOperationException ex) =>
        new(file, row, null, "holds a string that is not valid UTF-16: " + ex.Message, ex);

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
        var bytes = File.ReadAllBytes(file);
        if (!System.Text.Unicode.Utf8.IsValid(bytes)) throw new DataFormatException(file, null, null, "not valid UTF-8 (the file must be UTF-8 encoded)");
        var text = bytes.AsSpan().StartsWith("\uFEFF"u8) ? bytes.AsSpan(3) : bytes;
        try { array = JsonNode.Parse(text, documentOptions: Strict)!.AsArray(); }
        catch (JsonException ex) { throw new DataFormatException(file, null, null, "not valid JSON: " + ex.Message, ex); }
        catch (InvalidOperationException ex) { throw NotUtf16(file, null, ex); }
        for (var i = 0; i < array.Count; i++) yield return Wrap(file, i + 1, array[i], null);
    }

    private static IEnumerable<RawRow> ReadParquet(string file)
    {
        IList<Dictionary<string, object>> data;
        CheckParquetFrame(file);
        try
        {
            // Parquet.Net reads whole row groups; the whole file is held in memory, fine for SFT/DPO-sized sets.
            using var stream = File.OpenRead(file);
            data = ParquetSerializer.DeserializeUntypedAsync(stream).GetAwaiter().GetResult().Data;
        }
        catch (Exception ex)
        {
            // Parquet.Net interprets untrusted bytes: a damaged page or schema surfaces as whatever it happened to hit
            // (NullReferenceException, OverflowException, an OutOfMemoryException for an impossible array length...).
            // Every one of them means the same thing to the user: this file cannot be read.
            throw new DataFormatException(file, null, null, $"not a readable Parquet file: {ex.GetType().Name}: {ex.Message}", ex);
        }
        for (var i = 0; i < data.Count; i++) yield return Wrap(file, i + 1, JsonSerializer.SerializeToNode(data[i]), null);
    }

    /// <summary>
    /// Checks the frame of a Parquet file ("PAR1", data, footer, 4-byte footer length, "PAR1") before Parquet.Net sizes
    /// any buffer from it, so a footer length that lies is rejected without allocating.
    /// </summary>
    private static void CheckParquetFrame(string file)
    {
        using var fs = File.OpenRead(file);
        long length = fs.Length;
        if (length < 12) throw new DataFormatException(file, null, null, $"not a Parquet file: {length} bytes is shorter than its frame");
        Span<byte> head = stackalloc byte[4], tail = stackalloc byte[8];
        fs.ReadExactly(head);
        fs.Seek(-8, SeekOrigin.End);
        fs.ReadExactly(tail);
        if (!head.SequenceEqual("PAR1"u8) || !tail[4..].SequenceEqual("PAR1"u8))
            throw new DataFormatException(file, null, null, "not a Parquet file: missing the 'PAR1' magic at its start or end");
        uint footer = BitConverter.ToUInt32(tail[..4]);
        if (footer == 0 || footer > length - 12)
            throw new DataFormatException(file, null, null, $"footer length {footer} is impossible for a file of {length} bytes");
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
