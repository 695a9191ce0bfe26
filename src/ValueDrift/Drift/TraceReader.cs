using ValueDrift.Errors;

namespace ValueDrift.Drift;

/// <summary>The records of a trace file, how many torn lines were skipped and how many duplicate records were dropped.</summary>
public sealed record TraceContents(string Path, IReadOnlyList<TraceRecord> Records, int TornLinesIgnored)
{
    /// <summary>
    /// Records dropped because a later record has the same (phase, step, topic): older versions of <c>train --trace</c>
    /// measured again, after a resume, steps the killed run had already measured. The last of each is kept.
    /// </summary>
    public int DuplicatesIgnored { get; init; }
}

/// <summary>
/// Reads a <c>trace.jsonl</c>. A last line without a final newline that does not parse is taken to be a write torn
/// by a kill and ignored (counted in <see cref="TraceContents.TornLinesIgnored"/>); any other malformed line raises
/// <see cref="DataFormatException"/> naming the file, the line and the field. Blank lines are skipped. A (phase, step,
/// topic) recorded more than once keeps its last record (<see cref="TraceContents.DuplicatesIgnored"/>).
/// </summary>
public static class TraceReader
{
    public static TraceContents Read(string path)
    {
        if (!File.Exists(path)) throw new DataFormatException(path, null, null, "trace file not found");
        using var profile = Common.PhaseProfile.Measure(Common.PhaseProfile.Phases.TraceIo);
        string text;
        // Share with a writer that may still be appending.
        using (var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        using (var sr = new StreamReader(fs))
            text = sr.ReadToEnd();

        var lines = text.Split('\n');
        // After the final '\n' Split yields "" (clean file) or the torn tail.
        var records = new List<TraceRecord>();
        var torn = 0;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (string.IsNullOrWhiteSpace(line)) continue;
            var isUnterminatedLast = i == lines.Length - 1;
            try
            {
                records.Add(TraceJson.Parse(line, path, i + 1));
            }
            catch (DataFormatException) when (isUnterminatedLast)
            {
                torn++;
            }
        }
        var last = new Dictionary<(string, int, string), int>();
        for (var i = 0; i < records.Count; i++) last[(records[i].Phase, records[i].Step, records[i].Topic)] = i;
        if (last.Count == records.Count) return new TraceContents(path, records, torn);
        var unique = records.Where((r, i) => last[(r.Phase, r.Step, r.Topic)] == i).ToList();
        return new TraceContents(path, unique, torn) { DuplicatesIgnored = records.Count - unique.Count };
    }
}
