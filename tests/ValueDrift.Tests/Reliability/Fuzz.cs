using System.Diagnostics;
using ValueDrift.Errors;
using Xunit;

namespace ValueDrift.Tests.Reliability;

/// <summary>What one fuzzed reader did with its mutated inputs.</summary>
public sealed record FuzzCounts(string Reader, int Seed, int Cases, int Successes, int TypedErrors, double Seconds);

/// <summary>
/// Runs a reader over seeded mutations of a valid input. Every case must end in success or a
/// <see cref="ValueDriftException"/>, within a time limit and an allocation budget; anything else is reported with
/// the reader, seed and case index, which is all it takes to reproduce it (each case draws from its own
/// <see cref="Random"/> seeded by <see cref="CaseSeed"/>, independent of the cases before it).
/// </summary>
/// <remarks>
/// The seed defaults to <see cref="DefaultSeed"/> and can be changed with the <c>VALUEDRIFT_FUZZ_SEED</c> environment
/// variable; <c>VALUEDRIFT_FUZZ_CASE</c> runs one case only (for stepping through a failure in a debugger).
/// </remarks>
public static class Fuzz
{
    public const int DefaultSeed = 20251127;

    /// <summary>Time one case may take before it counts as a hang.</summary>
    public static readonly TimeSpan CaseTimeout = TimeSpan.FromSeconds(10);

    public static int Seed { get; } = int.TryParse(Environment.GetEnvironmentVariable("VALUEDRIFT_FUZZ_SEED"), out var s) ? s : DefaultSeed;

    private static readonly int? OnlyCase = int.TryParse(Environment.GetEnvironmentVariable("VALUEDRIFT_FUZZ_CASE"), out var c) ? c : null;

    /// <summary>The seed of case <paramref name="index"/> of reader <paramref name="reader"/> (stable across .NET versions).</summary>
    public static int CaseSeed(string reader, int seed, int index)
    {
        unchecked
        {
            int h = (int)2166136261;
            foreach (var ch in reader) h = (h ^ ch) * 16777619;
            return (h ^ seed) * 31 + index * 1_000_003;
        }
    }

    /// <summary>One case: builds its input from the case's random source, then reads it.</summary>
    /// <param name="reader">Name used in messages and in reliability-figures.json.</param>
    /// <param name="cases">How many mutations to try.</param>
    /// <param name="mutate">Builds a mutated input; returns a short description of the mutation for failure messages.</param>
    /// <param name="read">Runs the reader on the input (throws on bad input).</param>
    /// <param name="maxAllocatedBytes">Managed bytes one read may allocate: a lying length field must not drive more.</param>
    public static FuzzCounts Run<T>(string reader, int cases, Func<Random, int, (T Input, string What)> mutate, Action<T> read, long maxAllocatedBytes)
    {
        var sw = Stopwatch.StartNew();
        int ok = 0, typed = 0, ran = 0;
        var failures = new List<string>();
        var kinds = new Dictionary<string, int>();   // outcome kind → count, so one message shows every kind of failure
        for (int i = 0; i < cases; i++)
        {
            if (OnlyCase is int only && only != i) continue;
            ran++;
            var rng = new Random(CaseSeed(reader, Seed, i));
            var (input, what) = mutate(rng, i);
            string where = $"{reader}: seed {Seed}, case {i} ({what})";
            var outcome = RunOne(input, read, out var error, out long allocated);
            string kind = outcome == Outcome.Other ? error!.GetType().Name + " in " + FirstFrame(error) : outcome.ToString();
            bool firstOfKind = outcome is Outcome.Other or Outcome.Hang && kinds.TryAdd(kind, 0);
            if (outcome is Outcome.Other or Outcome.Hang) kinds[kind]++;
            if (outcome is Outcome.Other or Outcome.Hang && !firstOfKind && failures.Count >= 8) continue;
            switch (outcome)
            {
                case Outcome.Success: ok++; break;
                case Outcome.Typed: typed++; break;
                case Outcome.Hang: failures.Add($"{where}: no result after {CaseTimeout.TotalSeconds} s (hang?)"); break;
                default: failures.Add($"{where}: {error!.GetType().FullName}: {error.Message}\n{error.StackTrace}"); break;
            }
            if (outcome is Outcome.Success or Outcome.Typed && allocated > maxAllocatedBytes)
                failures.Add($"{where}: allocated {allocated:N0} bytes (budget {maxAllocatedBytes:N0}): a length field drove an allocation");
        }
        var counts = new FuzzCounts(reader, Seed, ran, ok, typed, Math.Round(sw.Elapsed.TotalSeconds, 2));
        if (OnlyCase is null) ReliabilityFigures.Record(counts);
        Assert.True(failures.Count == 0,
            $"{kinds.Values.Sum() + failures.Count(f => f.Contains("allocated"))} of {ran} {reader} cases ended outside success/ValueDriftException " +
            $"(rerun one with VALUEDRIFT_FUZZ_SEED={Seed} VALUEDRIFT_FUZZ_CASE=<case>):\n" +
            string.Join("\n", kinds.Select(k => $"  {k.Value} × {k.Key}")) + "\n\n" + string.Join("\n\n", failures.Take(16)));
        return counts;
    }

    private static string FirstFrame(Exception e) =>
        e.StackTrace?.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("at ValueDrift."))?.Split(" in ")[0][3..] ?? "(no ValueDrift frame)";

    public enum Outcome { Success, Typed, Other, Hang }

    /// <summary>Runs one read on a worker thread with <see cref="CaseTimeout"/>; measures that thread's managed allocations.</summary>
    public static Outcome RunOne<T>(T input, Action<T> read, out Exception? error, out long allocated)
    {
        long bytes = 0;
        var task = Task.Run(() =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            try { read(input); }
            finally { bytes = GC.GetAllocatedBytesForCurrentThread() - before; }
        });
        bool done;
        try { done = task.Wait(CaseTimeout); }
        catch (AggregateException) { done = true; }
        allocated = bytes;
        error = null;
        if (!done) return Outcome.Hang;
        if (task.Exception?.InnerException is { } e)
        {
            error = e;
            return e is ValueDriftException ? Outcome.Typed : Outcome.Other;
        }
        return Outcome.Success;
    }
}
