namespace ValueDrift.Data;

/// <summary>
/// Bounds on what a data file may hold, so a damaged or hostile file is refused before it takes the machine's memory.
/// </summary>
public static class DatasetLimits
{
    /// <summary>Default cap on one JSONL line: 16 MiB, far above any real conversation or preference pair.</summary>
    public const long DefaultMaxLineBytes = 16L << 20;

    /// <summary>The environment variable that raises (or lowers) the cap, in MiB.</summary>
    public const string MaxLineVariable = "VALUEDRIFT_MAX_LINE_MB";

    /// <summary>
    /// The longest JSONL line read, in bytes: <see cref="MaxLineVariable"/> when set to a positive number of MiB,
    /// otherwise <see cref="DefaultMaxLineBytes"/>. A longer line is a row error naming the cap and the variable.
    /// </summary>
    public static long MaxLineBytes =>
        long.TryParse(Environment.GetEnvironmentVariable(MaxLineVariable), out var mb) && mb > 0 ? mb << 20 : DefaultMaxLineBytes;
}
