using System.Text.Json;
using CsvHelper;
using ValueDrift.Errors;

namespace ValueDrift.Probes;

/// <summary>
/// Reads the rows of a probe file (JSONL or CSV) as string fields, so that probe sets and labelled sets share one
/// reader and one way of reporting bad rows. Rows are numbered from 1 (JSONL: the line; CSV: the data row after
/// the header). Blank JSONL lines are skipped. JSON fields that are not strings or numbers (V-PRISM's
/// <c>"controversial": true</c>, <c>"tags": [...]</c>) are kept aside in <see cref="Row.Structured"/>: a field the
/// caller does not use is tolerated, one it requires as text is an error naming the row and field.
/// </summary>
internal static class ProbeFileReader
{
    /// <summary>
    /// A row: its number, the text of its string and number fields (null for JSON null), and its other JSON fields
    /// (booleans, arrays, objects) as elements.
    /// </summary>
    internal sealed record Row(long Number, IReadOnlyDictionary<string, string?> Fields, IReadOnlyDictionary<string, JsonElement> Structured)
    {
        public Row(long number, IReadOnlyDictionary<string, string?> fields) : this(number, fields, new Dictionary<string, JsonElement>()) { }
    }

    internal static bool IsCsv(string name) => name.EndsWith(".csv", StringComparison.OrdinalIgnoreCase);

    internal static IEnumerable<Row> Read(Stream stream, string name) => IsCsv(name) ? ReadCsv(stream, name) : ReadJsonl(stream, name);

    private static IEnumerable<Row> ReadJsonl(Stream stream, string name)
    {
        using var reader = new StreamReader(stream);
        long lineNo = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            Dictionary<string, string?> fields;
            var structured = new Dictionary<string, JsonElement>(StringComparer.OrdinalIgnoreCase);
            try
            {
                using var doc = JsonDocument.Parse(line);
                if (doc.RootElement.ValueKind != JsonValueKind.Object)
                    throw new DataFormatException(name, lineNo, null, "expected a JSON object");
                fields = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
                foreach (var p in doc.RootElement.EnumerateObject())
                {
                    switch (p.Value.ValueKind)
                    {
                        case JsonValueKind.String: fields[p.Name] = p.Value.GetString(); break;
                        case JsonValueKind.Number: fields[p.Name] = p.Value.GetRawText(); break;
                        case JsonValueKind.Null: fields[p.Name] = null; break;
                        default: structured[p.Name] = p.Value.Clone(); break;
                    }
                }
            }
            catch (JsonException e)
            {
                throw new DataFormatException(name, lineNo, null, "not valid JSON: " + e.Message, e);
            }
            catch (InvalidOperationException e)
            {   // JSON accepts an escaped lone surrogate ("\ud800"); reading that string as text throws.
                throw new DataFormatException(name, lineNo, null, "holds a string that is not valid UTF-16: " + e.Message, e);
            }
            yield return new Row(lineNo, fields, structured);
        }
    }

    private static IEnumerable<Row> ReadCsv(Stream stream, string name)
    {
        // Strict: a stray quote or a row with the wrong number of fields is an error, not silently "recovered".
        var options = new CsvReaderOptions
        {
            Separator = ',',
            HasHeader = true,
            MalformedData = CsvMalformedDataHandling.Throw,
            FieldCountMismatch = CsvFieldCountHandling.Throw,
        };
        using var csv = CsvReader.Create(stream, options, leaveOpen: true);
        string[] header;
        try
        {
            header = csv.Headers.ToArray();
        }
        catch (Exception e) when (e is CsvFormatException or InvalidOperationException)
        {
            throw new DataFormatException(name, null, null, "unreadable CSV header: " + e.Message, e);
        }
        if (header.Length == 0) throw new DataFormatException(name, null, null, "empty CSV file (a header row is required)");
        long row = 0;
        while (true)
        {
            bool more;
            try { more = csv.Read(); }
            catch (CsvFormatException e) { throw new DataFormatException(name, row + 1, null, "malformed CSV row: " + e.Message, e); }
            if (!more) break;
            row = csv.RowNumber;
            var fields = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            for (var i = 0; i < header.Length; i++)
                fields[header[i].Trim()] = i < csv.FieldCount ? csv.GetString(i) : null;
            yield return new Row(row, fields);
        }
    }

    /// <summary>The first present, non-blank field among <paramref name="names"/>, or a DataFormatException naming the first.</summary>
    internal static string Required(Row row, string file, params string[] names)
    {
        foreach (var n in names)
            if (row.Structured.TryGetValue(n, out var e))
                throw new DataFormatException(file, row.Number, n, $"expected a string, got {e.ValueKind}");
        foreach (var n in names)
            if (row.Fields.TryGetValue(n, out var v) && !string.IsNullOrWhiteSpace(v))
                return v.Trim();
        var missing = names.Any(n => row.Fields.ContainsKey(n)) ? "is empty" : "is missing";
        throw new DataFormatException(file, row.Number, string.Join(" or ", names), missing);
    }

    /// <summary>An optional text field: its trimmed text, or null when absent or blank; a non-text JSON value is an error.</summary>
    internal static string? Optional(Row row, string file, string name)
    {
        if (row.Structured.TryGetValue(name, out var e))
            throw new DataFormatException(file, row.Number, name, $"expected a string, got {e.ValueKind}");
        return row.Fields.TryGetValue(name, out var v) && !string.IsNullOrWhiteSpace(v) ? v.Trim() : null;
    }

    /// <summary>
    /// The optional <c>polarity</c> field: 1 (the question proposes the topic's stated position) or −1 (it proposes
    /// the opposite); null when absent. Anything else is a <see cref="DataFormatException"/> naming file, row and field.
    /// </summary>
    internal static int? Polarity(Row row, string file)
    {
        const string field = "polarity";
        if (row.Structured.TryGetValue(field, out var e))
            throw new DataFormatException(file, row.Number, field, $"must be 1 or -1 (got {e.GetRawText()})");
        if (!row.Fields.TryGetValue(field, out var v) || string.IsNullOrWhiteSpace(v)) return null;
        return v.Trim() switch
        {
            "1" or "+1" or "1.0" => 1,
            "-1" or "-1.0" => -1,
            var other => throw new DataFormatException(file, row.Number, field, $"must be 1 or -1 (got {other})"),
        };
    }

    /// <summary>
    /// The optional <c>tags</c> field: a JSON array of strings, or in CSV (and as a JSON string) a list separated by
    /// ';'. Null when absent. Other values are a <see cref="DataFormatException"/>.
    /// </summary>
    internal static IReadOnlyList<string>? Tags(Row row, string file)
    {
        const string field = "tags";
        if (row.Structured.TryGetValue(field, out var e))
        {
            if (e.ValueKind != JsonValueKind.Array)
                throw new DataFormatException(file, row.Number, field, $"expected a list of strings, got {e.ValueKind}");
            return e.EnumerateArray().Select((t, i) => t.ValueKind == JsonValueKind.String
                ? t.GetString()!
                : throw new DataFormatException(file, row.Number, $"{field}[{i}]", $"expected a string, got {t.ValueKind}")).ToList();
        }
        return row.Fields.TryGetValue(field, out var v) && !string.IsNullOrWhiteSpace(v)
            ? v.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : null;
    }
}
