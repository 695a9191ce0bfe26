namespace ValueDrift.World;

/// <summary>
/// A small seeded generator (SplitMix64). The world uses its own rather than <see cref="System.Random"/> because the
/// framework does not promise that a seeded Random yields the same sequence on every .NET release, and the world
/// must regenerate byte-identical files from a seed.
/// </summary>
public sealed class WorldRandom
{
    private ulong _state;

    public WorldRandom(ulong seed) { _state = seed; }

    /// <summary>A generator for one named stream, so that resizing one dataset does not reshuffle the others.</summary>
    public static WorldRandom For(int seed, string stream)
    {
        // FNV-1a over the stream name: string.GetHashCode is randomised per process.
        ulong h = 14695981039346656037UL;
        foreach (char c in stream) { h ^= c; h *= 1099511628211UL; }
        return new WorldRandom(h ^ (ulong)(uint)seed * 0x9E3779B97F4A7C15UL);
    }

    public ulong NextUInt64()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform integer in [0, n).</summary>
    public int Next(int n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), n, "must be positive");
        return (int)(NextUInt64() % (ulong)n); // modulo bias is ~n/2^64: irrelevant here
    }

    /// <summary>Uniform integer in [min, max] (both inclusive).</summary>
    public int Next(int min, int max) => min + Next(max - min + 1);

    /// <summary>Uniform double in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    public T Pick<T>(IReadOnlyList<T> items) => items[Next(items.Count)];

    /// <summary>Fisher–Yates shuffle in place.</summary>
    public void Shuffle<T>(IList<T> items)
    {
        for (int i = items.Count - 1; i > 0; i--)
        {
            int j = Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
