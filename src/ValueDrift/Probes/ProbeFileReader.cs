using System.Text.Json;
using CsvHelper;
using ValueDrift.Errors;

namespace ValueDrift.Probes;

/// <summary>
/// Reads the rows of a probe file (JSONL or CSV) as string fields, so that probe sets and labelled sets share one
/// reader and one way of reporting bad rows. Rows are numbered from 1 (JSONL: the line; CSV: the data row after
/// the header). Blank JSONL lines are skipped.
/// </summary>
internal static class ProbeFileReader
{
    /// <summary>A row: its number and a field lookup (null when the field is absent).</summary>
    internal sealed record Row(long Number, IReadOnlyDictionary<string, string?> Fields);

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
            try
            {
                using var doc = JsonDocument.Parse(line);
                if (doc.RootElement.ValueKind != JsonValueKind.Object)
                    throw new DataFormatException(name, lineNo, null, "expected a JSON object");
                fields = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
                foreach (var p in doc.RootElement.EnumerateObject())
                {
                    fields[p.Name] = p.Value.ValueKind switch
                    {
                        JsonValueKind.String => p.Value.GetString(),
                        JsonValueKind.Number => p.Value.GetRawText(),
                        JsonValueKind.Null => null,
                        _ => throw new DataFormatException(name, lineNo, p.Name, $"expected a string, got {p.Value.ValueKind}"),
                    };
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
            yield return new Row(lineNo, fields);
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
            if (row.Fields.TryGetValue(n, out var v) && !string.IsNullOrWhiteSpace(v))
                return v.Trim();
        var missing = names.Any(n => row.Fields.ContainsKey(n)) ? "is empty" : "is missing";
        throw new DataFormatException(file, row.Number, string.Join(" or ", names), missing);
    }
}
