namespace ValueDrift.Data;

/// <summary>The rows that were read, and what was skipped when bad rows were allowed to be skipped.</summary>
/// <param name="Rows">The good rows, in file order.</param>
/// <param name="Skipped">How many rows were skipped as malformed.</param>
/// <param name="SkipReasons">The messages of the first few skipped rows (at most <see cref="MaxReasons"/>), each naming file, row and field.</param>
public sealed record ReadResult<T>(IReadOnlyList<T> Rows, int Skipped, IReadOnlyList<string> SkipReasons)
{
    public const int MaxReasons = 5;
}
