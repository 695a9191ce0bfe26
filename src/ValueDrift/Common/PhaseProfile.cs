using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace ValueDrift.Common;

/// <summary>
/// Where a run's wall time goes, by phase (pretraining, training steps, generation probe, judging, checkpoint I/O,
/// report …). Code paths wrap their work in <c>using (PhaseProfile.Measure(PhaseProfile.Phases.X)) { … }</c>; the
/// profile is process-wide and always on (a stopwatch read per phase entry, nothing per tensor op).
/// <para>Phases nest and count <em>self</em> time: while an inner phase runs, the outer one's clock is paused, so the
/// phases of one thread add up to at most the wall time and never count a second twice (a probe that runs inside a
/// training step's event is "generation probe", not "training steps").</para>
/// <para>Only the thread that first measures after a <see cref="Reset"/> is profiled: work on other threads (a
/// notebook's background cell) is not counted rather than counted into the wrong phase.</para>
/// </summary>
public static class PhaseProfile
{
    /// <summary>The phase names the library uses, written once.</summary>
    public static class Phases
    {
        public const string WorldData = "world datasets";
        public const string Pretraining = "base-model pretraining";
        public const string Training = "training steps";
        public const string MemoryRelease = "memory release (GC)";
        public const string ReferenceLogProbs = "reference log-probs";
        public const string Generation = "generation probe";
        public const string Judging = "judging";
        public const string Likelihood = "likelihood probe";
        public const string Checkpoint = "checkpoint I/O";
        public const string TraceIo = "trace I/O";
        public const string Report = "report";
    }

    private sealed class Totals { public long Ticks; public int Count; }

    private static readonly object Gate = new();
    private static readonly Dictionary<string, Totals> ByPhase = new(StringComparer.Ordinal);
    private static readonly Stack<Frame> Open = new();
    private static int? _thread;
    private static long _startedAt = Stopwatch.GetTimestamp();

    private sealed class Frame(string phase, bool whole) : IDisposable
    {
        public readonly string Phase = phase;
        public readonly bool Whole = whole;
        public long ResumedAt = Stopwatch.GetTimestamp();
        private bool _closed;

        public void Dispose()
        {
            if (_closed) return;
            _closed = true;
            lock (Gate)
            {
                var now = Stopwatch.GetTimestamp();
                Add(Phase, now - ResumedAt, 1);
                // Close this frame (and any inner one left open by an exception), then resume the outer phase's clock.
                while (Open.Count > 0 && !ReferenceEquals(Open.Pop(), this)) { }
                if (Open.Count > 0) Open.Peek().ResumedAt = now;
            }
        }
    }

    private sealed class Nothing : IDisposable { public void Dispose() { } }
    private static readonly Nothing Skip = new();

    /// <summary>Counts the time until the result is disposed as <paramref name="phase"/> (self time: inner phases are theirs).</summary>
    public static IDisposable Measure(string phase) => Enter(phase, whole: false);

    /// <summary>
    /// Counts everything until the result is disposed as <paramref name="phase"/>, inner phases included (pretraining
    /// the base model is one phase, not its training steps and checkpoints).
    /// </summary>
    public static IDisposable MeasureWhole(string phase) => Enter(phase, whole: true);

    private static IDisposable Enter(string phase, bool whole)
    {
        lock (Gate)
        {
            var me = Environment.CurrentManagedThreadId;
            _thread ??= me;
            if (_thread != me || (Open.Count > 0 && Open.Peek().Whole)) return Skip;
            var now = Stopwatch.GetTimestamp();
            if (Open.Count > 0) { var outer = Open.Peek(); Add(outer.Phase, now - outer.ResumedAt, 0); }
            var frame = new Frame(phase, whole) { ResumedAt = now };
            Open.Push(frame);
            return frame;
        }
    }

    private static void Add(string phase, long ticks, int count)
    {
        if (!ByPhase.TryGetValue(phase, out var t)) ByPhase[phase] = t = new Totals();
        t.Ticks += ticks;
        t.Count += count;
    }

    /// <summary>Forgets everything measured and restarts the wall clock (e.g. at the start of a command).</summary>
    public static void Reset()
    {
        lock (Gate)
        {
            ByPhase.Clear();
            Open.Clear();
            _thread = null;
            _startedAt = Stopwatch.GetTimestamp();
        }
    }

    /// <summary>One phase's self time and how many times it was entered.</summary>
    public sealed record Entry(string Phase, TimeSpan Time, int Count);

    /// <summary>The phases measured so far, longest first, and the wall time since the last <see cref="Reset"/>.</summary>
    public static (IReadOnlyList<Entry> Phases, TimeSpan Wall) Snapshot()
    {
        lock (Gate)
        {
            var list = ByPhase.Select(p => new Entry(p.Key, Stopwatch.GetElapsedTime(0, p.Value.Ticks), p.Value.Count))
                .OrderByDescending(e => e.Time).ToList();
            return (list, Stopwatch.GetElapsedTime(_startedAt));
        }
    }

    /// <summary>A plain-text table: phase, seconds, share of the wall time, entries; the unmeasured rest as "other".</summary>
    public static string Format()
    {
        var (phases, wall) = Snapshot();
        var text = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        text.AppendLine(string.Create(inv, $"profile ({wall.TotalSeconds:0.0} s wall):"));
        void Row(string name, TimeSpan t, string count) =>
            text.AppendLine(string.Create(inv, $"  {name,-24} {t.TotalSeconds,8:0.00} s {100 * t.TotalSeconds / Math.Max(1e-9, wall.TotalSeconds),6:0.0}%  {count}"));
        foreach (var e in phases) Row(e.Phase, e.Time, e.Count.ToString(inv) + "×");
        var rest = wall - phases.Aggregate(TimeSpan.Zero, (a, e) => a + e.Time);
        Row("other", rest < TimeSpan.Zero ? TimeSpan.Zero : rest, "");
        return text.ToString();
    }
}
