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

    /// <summary>The command-line option that sets the cap for one command, in MiB (before the variable).</summary>
    public const string MaxLineOption = "--max-line-mb";

    /// <summary>How a reader is told to raise the cap, for messages.</summary>
    public const string HowToRaise = MaxLineOption + " or " + MaxLineVariable;

    // The cap one run of a command set (--max-line-mb): per logical flow, so a command run in-process (a notebook, a
    // test) does not change the cap of code running beside it.
    private static readonly AsyncLocal<long?> Set = new();

    /// <summary>
    /// The longest JSONL line read, in bytes: the cap given with <see cref="Override"/> (<c>--max-line-mb</c>), else
    /// <see cref="MaxLineVariable"/> when set to a positive number of MiB, else <see cref="DefaultMaxLineBytes"/>. A
    /// longer line is a row error naming the cap and how to raise it.
    /// </summary>
    public static long MaxLineBytes =>
        Set.Value ?? (long.TryParse(Environment.GetEnvironmentVariable(MaxLineVariable), out var mb) && mb > 0 ? mb << 20 : DefaultMaxLineBytes);

    /// <summary>Sets the cap to <paramref name="megabytes"/> MiB in this flow until the result is disposed (null: no change).</summary>
    public static IDisposable Override(long? megabytes)
    {
        if (megabytes is <= 0 or > 1L << 20)
            throw new Errors.ConfigException(MaxLineOption, "max-line-mb", $"must be a positive number of MiB up to 1048576 (got {megabytes})");
        var before = Set.Value;
        if (megabytes is { } m) Set.Value = m << 20;
        return new Restore(() => Set.Value = before);
    }

    private sealed class Restore(Action undo) : IDisposable
    {
        public void Dispose() => undo();
    }
}
