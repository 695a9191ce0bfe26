namespace ValueDrift.Data;

/// <summary>Where a record came from, so that a later error (e.g. a completion truncated away) can name file and row.</summary>
/// <param name="File">The dataset file.</param>
/// <param name="Row">1-based: the line number in a JSONL file, the row number in a Parquet file.</param>
public sealed record DataOrigin(string File, long Row)
{
    /// <summary>The file name used in errors about records built in code rather than read from a file.</summary>
    public const string InMemory = "(in-memory data)";
}
