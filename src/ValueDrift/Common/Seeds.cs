namespace ValueDrift.Common;

/// <summary>
/// Derives independent, reproducible seeds from a run's seed and a few coordinates (epoch, step, question, ...).
/// SplitMix64 mixing: stable across processes and platforms, unlike <see cref="HashCode"/>.
/// </summary>
public static class Seeds
{
    public static long Derive(long seed, params long[] parts)
    {
        ulong x = (ulong)seed;
        foreach (var p in parts) x = Mix(x ^ Mix((ulong)p + 0x9E3779B97F4A7C15UL));
        return (long)(x & 0x7FFFFFFFFFFFFFFFUL);
    }

    /// <summary>A seeded <see cref="Random"/> for the given coordinates.</summary>
    public static Random Random(long seed, params long[] parts) => new((int)(Derive(seed, parts) & 0x7FFFFFFF));

    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
