namespace ValueDrift.Training;

/// <summary>
/// Which examples each step trains on: epochs of seeded permutations, consumed in order. The indices of step s are a
/// pure function of (seed, s), so a resumed run sees exactly the data the uninterrupted run would have seen.
/// </summary>
public sealed class BatchSampler(int exampleCount, int examplesPerStep, long seed)
{
    private readonly Dictionary<long, int[]> _permutations = new();

    public int ExampleCount => exampleCount;

    /// <summary>The examples of step <paramref name="step"/>, in micro-batch order.</summary>
    public int[] IndicesForStep(int step)
    {
        if (exampleCount <= 0) throw new Errors.TrainingException("the training set is empty");
        var result = new int[examplesPerStep];
        long start = (long)step * examplesPerStep;
        for (int i = 0; i < examplesPerStep; i++)
        {
            long global = start + i;
            long epoch = global / exampleCount;
            result[i] = Permutation(epoch)[global % exampleCount];
        }
        return result;
    }

    /// <summary>Epoch (fractional) reached after <paramref name="steps"/> steps.</summary>
    public double EpochAfter(int steps) => (double)steps * examplesPerStep / exampleCount;

    private int[] Permutation(long epoch)
    {
        if (_permutations.TryGetValue(epoch, out var p)) return p;
        if (_permutations.Count > 4) _permutations.Clear();
        p = Enumerable.Range(0, exampleCount).ToArray();
        Common.Seeds.Random(seed, epoch).Shuffle(p);
        return _permutations[epoch] = p;
    }
}
