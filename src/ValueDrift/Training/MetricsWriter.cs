using System.Text.Json;

namespace ValueDrift.Training;

/// <summary>
/// Appends one JSON object per step to metrics.jsonl (<c>{"step": 3, "loss": 0.61, "rewards/margins": ...}</c>),
/// flushed per line, so a killed run keeps every step it finished.
/// </summary>
public sealed class MetricsWriter : IDisposable
{
    private readonly StreamWriter _writer;

    private readonly string _path;

    /// <exception cref="Errors.TrainingException">The file cannot be written (read-only folder, full disk, path blocked by a file).</exception>
    public MetricsWriter(string path, int keepUpToStep)
    {
        _path = path;
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            TruncateAfter(path, keepUpToStep);
            _writer = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw Unwritable(e); }
    }

    public void Write(int step, IReadOnlyDictionary<string, double> metrics)
    {
        var line = new Dictionary<string, object> { ["step"] = step };
        foreach (var (k, v) in metrics) line[k] = double.IsFinite(v) ? v : v.ToString(System.Globalization.CultureInfo.InvariantCulture);
        try
        {
            _writer.WriteLine(JsonSerializer.Serialize(line));
            _writer.Flush();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw Unwritable(e); }
    }

    private Errors.TrainingException Unwritable(Exception e) =>
        new($"could not write metrics to {_path}: {e.Message} (checkpoints already saved are intact)", e);

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
