using System.Buffers;

namespace ValueDrift.Data;

/// <summary>One line of a JSONL file as raw bytes (valid until the next line is read), or the note that it was too long.</summary>
internal readonly record struct JsonlLine(long Row, ReadOnlyMemory<byte> Bytes, bool TooLong);

/// <summary>
/// Reads a JSONL file line by line as bytes, with a cap on a line's length (<see cref="DatasetLimits.MaxLineBytes"/>):
/// a longer line is skipped to its end without being held, so one 300 MB line cannot take gigabytes before it is
/// refused. Bytes, not text: the caller checks the UTF-8 itself (a text reader would turn invalid bytes into U+FFFD
/// silently). Lines end at '\n'; a '\r' before it and a UTF-8 byte-order mark at the start are dropped.
/// </summary>
internal static class JsonlLines
{
    public static IEnumerable<JsonlLine> Read(string file, long maxLineBytes)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var chunk = new byte[1 << 16];
        var line = new ArrayBufferWriter<byte>(1 << 12);
        long row = 1;
        bool tooLong = false, any = false, first = true;
        int read;
        while ((read = stream.Read(chunk, 0, chunk.Length)) > 0)
        {
            var span = chunk.AsMemory(0, read);
            while (span.Length > 0)
            {
                int nl = span.Span.IndexOf((byte)'\n');
                var part = nl < 0 ? span : span[..nl];
                any = true;
                if (!tooLong && line.WrittenCount + part.Length > maxLineBytes) tooLong = true;
                if (!tooLong) line.Write(part.Span);
                if (nl < 0) break;
                yield return Finish(row++, line, tooLong, ref first);
                line.ResetWrittenCount();
                tooLong = false;
                any = false;
                span = span[(nl + 1)..];
            }
        }
        if (any) yield return Finish(row, line, tooLong, ref first);
    }

    private static JsonlLine Finish(long row, ArrayBufferWriter<byte> line, bool tooLong, ref bool first)
    {
        var bytes = line.WrittenMemory;
        if (first && bytes.Span.StartsWith("\uFEFF"u8)) bytes = bytes[3..];
        first = false;
        if (bytes.Length > 0 && bytes.Span[^1] == (byte)'\r') bytes = bytes[..^1];
        return new JsonlLine(row, bytes, tooLong);
    }
}
