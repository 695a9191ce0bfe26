namespace ValueDrift.Models;

/// <summary>
/// The token length of each training example as a batch pads it, after truncation: prompt + completion for SFT, prompt
/// + the longer answer for a pair (chosen and rejected are padded to one length), prompt + sampled response for PPO.
/// A batch pads to its longest row, so the longest row sizes a step's activations (<see cref="MemoryPlan"/>).
/// </summary>
public sealed class SequenceLengths
{
    private readonly int[] _sorted;

    public SequenceLengths(IEnumerable<int> perRow)
    {
        _sorted = perRow.Order().ToArray();
        if (_sorted.Length == 0) throw new ArgumentException("no rows", nameof(perRow));
    }

    public int Rows => _sorted.Length;
    public int Longest => _sorted[^1];

    /// <summary>Rows longer than <paramref name="maxLength"/>: those a limit that short would cut.</summary>
    public int LongerThan(int maxLength)
    {
        int lo = 0, hi = _sorted.Length;   // the first row longer than maxLength (rows are sorted)
        while (lo < hi)
        {
            int mid = (lo + hi) / 2;
            if (_sorted[mid] > maxLength) hi = mid; else lo = mid + 1;
        }
        return _sorted.Length - lo;
    }
}
