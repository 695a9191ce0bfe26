using System.Text.Json;

namespace ValueDrift.Training;

/// <summary>
/// Appends one JSON object per step to metrics.jsonl (<c>{"step": 3, "loss": 0.61, "rewards/margins": ...}</c>),
/// flushed per line, so a killed run keeps every step it finished.
/// </summary>
public sealed class MetricsWriter : IDisposable
{
    private readonly StreamWriter _writer;

    public MetricsWriter(string path, int keepUpToStep)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        TruncateAfter(path, keepUpToStep);
        _writer = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read));
    }

    public void Write(int step, IReadOnlyDictionary<string, double> metrics)
    {
        var line = new Dictionary<string, object> { ["step"] = step };
        foreach (var (k, v) in metrics) line[k] = double.IsFinite(v) ? v : v.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _writer.WriteLine(JsonSerializer.Serialize(line));
        _writer.Flush();
    }

    /// <summary>On resume from step N, lines of later steps (which will be recomputed) are dropped, atomically.</summary>
    private static void TruncateAfter(string path, int step)
    {
        if (!File.Exists(path)) return;
        var keep = File.ReadLines(path).Where(l =>
        {
            try { using var d = JsonDocument.Parse(l); return d.RootElement.GetProperty("step").GetInt32() <= step; }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException) { return false; }  // torn last line
        }).ToList();
        IO.AtomicFile.WriteAllText(path, keep.Count == 0 ? "" : string.Join("\n", keep) + "\n");
    }

    public void Dispose() => _writer.Dispose();
}
