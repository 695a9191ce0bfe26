using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ValueDrift.Probes;

/// <summary>
/// Judge readings kept on disk, so that a repeated probe, a resumed run or a second analysis of the same answers asks
/// the judge nothing it has already answered. One append-only JSONL file (<see cref="FileName"/>), one line per
/// reading: <c>{"key", "judge", "support", "neutral", "oppose", "readout", "stanced"?: false, "mixed"?, "no_stance_label_absent"?: true}</c>, where key is the SHA-256 of the judge's
/// <see cref="JudgementIdentity"/> and the exact prompt. Crash-safe: a line is written whole and flushed; a torn or
/// unreadable line (a crash mid-write) is ignored on load, and the next append starts on a fresh line. Only readings
/// are stored: no prompt text, no answer text, no API key. Safe for concurrent use within one process, and two runs
/// may append to one cache (each line is written under an exclusive lock of the file).
/// </summary>
public sealed class JudgementCache : IDisposable
{
    public const string FileName = "judgements.jsonl";

    private readonly Dictionary<string, Judgement> _entries = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private int _hits, _misses;

    /// <summary>The cache file.</summary>
    public string Path { get; }

    /// <summary>Lines ignored on load (torn by a crash, or not a reading).</summary>
    public int IgnoredLines { get; }

    public int Count { get { lock (_lock) return _entries.Count; } }
    public int Hits => Volatile.Read(ref _hits);
    public int Misses => Volatile.Read(ref _misses);

    /// <summary>Hits / (hits + misses) so far; 0 before any lookup.</summary>
    public double HitRate => Hits + Misses == 0 ? 0 : (double)Hits / (Hits + Misses);

    /// <summary>Opens (or creates) the cache in <paramref name="dir"/>.</summary>
    public JudgementCache(string dir)
    {
        Directory.CreateDirectory(dir);
        Path = System.IO.Path.Combine(dir, FileName);
        if (!File.Exists(Path)) return;
        foreach (var line in Locked(() => File.ReadAllLines(Path)))
        {
            if (line.Length == 0) continue;
            if (TryParse(line) is { } e) _entries[e.Key] = e.Judgement;
            else IgnoredLines++;
        }
    }

    /// <summary>The stored reading for <paramref name="key"/>, counting a hit or a miss.</summary>
    public Judgement? Get(string key)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(key, out var j)) { _hits++; return j with { Cached = true }; }
            _misses++;
            return null;
        }
    }

    /// <summary>Stores a reading (failed judgements are not stored: they are asked again next time).</summary>
    public void Put(string key, string identity, Judgement judgement)
    {
        if (judgement.Distribution is not { } d) return;
        var line = JsonSerializer.Serialize(new Line
        {
            Key = key, Judge = identity, Support = d.Support, Neutral = d.Neutral, Oppose = d.Oppose, Readout = judgement.Readout.Name(),
            // Written only where they differ from a plain three-label reading, so older caches and lines stay alike.
            Stanced = judgement.Stanced ? null : false, Mixed = judgement.Mixed, NoStanceLabelAbsent = judgement.NoStanceLabelAbsent ? true : null,
        }, LineOptions) + "\n";
        var bytes = Encoding.UTF8.GetBytes(line);
        lock (_lock)
        {
            if (!_entries.TryAdd(key, judgement with { Cached = false })) return;
            Append(bytes);
        }
    }

    // Each line is written under an exclusive lock of the file (another run may append to the same cache): the
    // file is opened, checked for a torn last line, appended to and closed.
    private void Append(byte[] line) => Locked(() =>
    {
        using var fs = new FileStream(Path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        if (fs.Length > 0)
        {
            fs.Seek(-1, SeekOrigin.End);
            if (fs.ReadByte() != '\n') fs.WriteByte((byte)'\n');   // a crash left a torn last line: start on a fresh one
        }
        fs.Seek(0, SeekOrigin.End);
        fs.Write(line);
        fs.Flush(flushToDisk: true);   // a paid reading survives a crash of the machine, not only of the process
        return 0;
    });

    // Retries while another run holds the file (an IOException on open); after about two seconds the error is reported.
    private T Locked<T>(Func<T> action)
    {
        for (var attempt = 0; ; attempt++)
        {
            try { return action(); }
            catch (IOException e) when (attempt < 400) { _ = e; Thread.Sleep(5); }
            catch (IOException e) { throw new Errors.ValueDriftException($"judge cache {Path}: {e.Message}", e); }
        }
    }

    private static (string Key, Judgement Judgement)? TryParse(string text)
    {
        try
        {
            var l = JsonSerializer.Deserialize<Line>(text);
            if (l?.Key is not { Length: > 0 } key || l.Support is not { } s || l.Neutral is not { } n || l.Oppose is not { } o
                || l.Readout is null || JudgeReadouts.Parse(l.Readout) is not { } readout) return null;
            return (key, new Judgement(new StanceDistribution(s, n, o), readout)
            {
                Stanced = l.Stanced ?? true, Mixed = l.Mixed, NoStanceLabelAbsent = l.NoStanceLabelAbsent ?? false,
            });
        }
        catch (Exception e) when (e is JsonException or ArgumentException) { return null; }
    }

    /// <summary>Nothing is held open between writes; kept so callers can scope a cache with <c>using</c>.</summary>
    public void Dispose() { }

    private static readonly JsonSerializerOptions LineOptions = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    private sealed class Line
    {
        [JsonPropertyName("key")] public string? Key { get; set; }
        [JsonPropertyName("judge")] public string? Judge { get; set; }
        [JsonPropertyName("support")] public double? Support { get; set; }
        [JsonPropertyName("neutral")] public double? Neutral { get; set; }
        [JsonPropertyName("oppose")] public double? Oppose { get; set; }
        [JsonPropertyName("readout")] public string? Readout { get; set; }
        [JsonPropertyName("stanced")] public bool? Stanced { get; set; }
        [JsonPropertyName("mixed")] public bool? Mixed { get; set; }
        [JsonPropertyName("no_stance_label_absent")] public bool? NoStanceLabelAbsent { get; set; }
    }
}
