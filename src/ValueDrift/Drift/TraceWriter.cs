namespace ValueDrift.Drift;

/// <summary>
/// Appends <see cref="TraceRecord"/>s to a <c>trace.jsonl</c>, one JSON object per line. Each line is written,
/// flushed and synced to disk before <see cref="Append"/> returns, so a process killed mid-run loses nothing it had
/// already appended. Opening an existing trace appends to it; if its last line was torn by a kill (no final newline),
/// that partial line is cut off first, so the file stays one valid record per line.
/// </summary>
public sealed class TraceWriter : IDisposable
{
    private FileStream _stream;

    public string Path { get; }

    /// <summary>Bytes of a torn last line removed when the trace was opened (0 for a clean or new file).</summary>
    public long TruncatedBytes { get; }

    public TraceWriter(string path)
    {
        Path = path;
        var dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        // Readers (a live report, a notebook) may read while we append.
        _stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        TruncatedBytes = CutTornTail(_stream);
        _stream.Seek(0, SeekOrigin.End);
    }

    /// <summary>Writes one record as one line, then flushes it to disk.</summary>
    public void Append(TraceRecord record)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(TraceJson.Serialize(record) + "\n");
        _stream.Write(bytes);
        _stream.Flush(flushToDisk: true);
    }

    /// <summary>Appends several records, each flushed as it is written.</summary>
    public void AppendAll(IEnumerable<TraceRecord> records)
    {
        foreach (var r in records) Append(r);
    }

    public void Dispose() => _stream.Dispose();

    /// <summary>
    /// <see cref="Prune(string, Func{TraceRecord, bool})"/> on this open trace: the file is closed, rewritten
    /// atomically and reopened for appending. Used when a stage resumes from a checkpoint, so the records it took
    /// after that checkpoint are not duplicated when it measures those steps again. Returns how many were dropped.
    /// </summary>
    public int Prune(Func<TraceRecord, bool> keep)
    {
        _stream.Flush(flushToDisk: true);
        _stream.Dispose();
        try { return Prune(Path, keep); }
        finally
        {
            _stream = new FileStream(Path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
            _stream.Seek(0, SeekOrigin.End);
        }
    }

    /// <summary>
    /// Rewrites a trace keeping only the records <paramref name="keep"/> accepts (atomically: a crash leaves the old
    /// file). Used before a stage restarts, so records it will measure again are not duplicated. Returns how many
    /// records were dropped. Must not run while a writer has the file open.
    /// </summary>
    public static int Prune(string path, Func<TraceRecord, bool> keep)
    {
        if (!File.Exists(path)) return 0;
        var records = TraceReader.Read(path).Records;
        var kept = records.Where(keep).ToList();
        if (kept.Count == records.Count) return 0;
        IO.AtomicFile.WriteAllText(path, string.Concat(kept.Select(r => TraceJson.Serialize(r) + "\n")));
        return records.Count - kept.Count;
    }

    /// <summary>Truncates the file after its last newline; returns how many bytes were removed.</summary>
    private static long CutTornTail(FileStream s)
    {
        var length = s.Length;
        if (length == 0) return 0;
        var buffer = new byte[4096];
        var end = length;
        while (end > 0)
        {
            var start = Math.Max(0, end - buffer.Length);
            var count = (int)(end - start);
            s.Seek(start, SeekOrigin.Begin);
            s.ReadExactly(buffer, 0, count);
            for (var i = count - 1; i >= 0; i--)
            {
                if (buffer[i] != (byte)'\n') continue;
                var keep = start + i + 1;
                if (keep == length) return 0;
                s.SetLength(keep);
                s.Flush(flushToDisk: true);
                return length - keep;
            }
            end = start;
        }
        // No newline at all: the only line is torn.
        s.SetLength(0);
        s.Flush(flushToDisk: true);
        return length;
    }
}
