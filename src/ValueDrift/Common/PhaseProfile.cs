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
/// <para>The static members use the one process-wide profile (<see cref="Process"/>); a separate instance
/// (<see cref="Time"/>, <see cref="Read"/>) profiles on its own, e.g. in a test.</para>
/// </summary>
public sealed class PhaseProfile
{
    /// <summary>The profile the library's code paths add to.</summary>
    public static PhaseProfile Process { get; } = new();

    /// <summary>Counts the time until the result is disposed as <paramref name="phase"/> in <see cref="Process"/> (self time: inner phases are theirs).</summary>
    public static IDisposable Measure(string phase) => Process.Time(phase);

    /// <summary>
    /// Counts everything until the result is disposed as <paramref name="phase"/> in <see cref="Process"/>, inner phases
    /// included (pretraining the base model is one phase, not its training steps and checkpoints).
    /// </summary>
    public static IDisposable MeasureWhole(string phase) => Process.TimeWhole(phase);

    /// <summary>Forgets everything <see cref="Process"/> measured and restarts its wall clock (e.g. at the start of a command).</summary>
    public static void Reset() => Process.Clear();

    /// <summary>The phases <see cref="Process"/> measured so far, longest first, and the wall time since the last <see cref="Reset"/>.</summary>
    public static (IReadOnlyList<Entry> Phases, TimeSpan Wall) Snapshot() => Process.Read();

    /// <summary><see cref="Process"/> as a plain-text table (<see cref="ToText"/>).</summary>
    public static string Format() => Process.ToText();

    /// <summary>The phase names the library uses, written once.</summary>
    public static class Phases
    {
        public const string WorldData = "world datasets";
        public const string Pretraining = "base-model pretraining";
        public const string Training = "training steps";
        public const string Rollouts = "PPO rollout sampling";
        public const string MemoryRelease = "memory release (GC)";
        public const string ReferenceLogProbs = "reference log-probs";
        public const string Generation = "generation probe";
        public const string Judging = "judging";
        public const string Divergence = "divergence probe (kl_from_start)";
        public const string Likelihood = "likelihood probe";
        public const string Checkpoint = "checkpoint I/O";
        public const string TraceIo = "trace I/O";
        public const string Report = "report";
    }

    private sealed class Totals { public long Ticks; public int Count; }

    private readonly object _gate = new();
    private readonly Dictionary<string, Totals> _byPhase = new(StringComparer.Ordinal);
    private readonly Stack<Frame> _open = new();
    private int? _thread;
    private long _startedAt = Stopwatch.GetTimestamp();

    private sealed class Frame(PhaseProfile owner, string phase, bool whole) : IDisposable
    {
        public readonly string Phase = phase;
        public readonly bool Whole = whole;
        public long ResumedAt = Stopwatch.GetTimestamp();
        private bool _closed;

        public void Dispose()
        {
            if (_closed) return;
            _closed = true;
            lock (owner._gate)
            {
                if (!owner._open.Contains(this)) return;   // cleared meanwhile
                var now = Stopwatch.GetTimestamp();
                // Close any inner phase left open (an exception skipped its dispose) with its time so far, then this
                // one; only the frame on top has a running clock, so each frame below adds nothing more.
                while (true)
                {
                    var top = owner._open.Pop();
                    owner.Add(top.Phase, now - top.ResumedAt, 1);
                    top._closed = true;
                    if (ReferenceEquals(top, this)) break;
                    owner._open.Peek().ResumedAt = now;
                }
                if (owner._open.Count > 0) owner._open.Peek().ResumedAt = now;   // the outer phase's clock runs again
            }
        }
    }

    private sealed class Nothing : IDisposable { public void Dispose() { } }
    private static readonly Nothing Skip = new();

    /// <summary>Counts the time until the result is disposed as <paramref name="phase"/> (self time: inner phases are theirs).</summary>
    public IDisposable Time(string phase) => Enter(phase, whole: false);

    /// <summary>Counts everything until the result is disposed as <paramref name="phase"/>, inner phases included.</summary>
    public IDisposable TimeWhole(string phase) => Enter(phase, whole: true);

    private IDisposable Enter(string phase, bool whole)
    {
        lock (_gate)
        {
            var me = Environment.CurrentManagedThreadId;
            _thread ??= me;
            if (_thread != me || (_open.Count > 0 && _open.Peek().Whole)) return Skip;
            var now = Stopwatch.GetTimestamp();
            if (_open.Count > 0) { var outer = _open.Peek(); Add(outer.Phase, now - outer.ResumedAt, 0); }
            var frame = new Frame(this, phase, whole) { ResumedAt = now };
            _open.Push(frame);
            return frame;
        }
    }

    private void Add(string phase, long ticks, int count)
    {
        if (!_byPhase.TryGetValue(phase, out var t)) _byPhase[phase] = t = new Totals();
        t.Ticks += ticks;
        t.Count += count;
    }

    /// <summary>Forgets everything measured and restarts the wall clock.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _byPhase.Clear();
            _open.Clear();
            _thread = null;
            _startedAt = Stopwatch.GetTimestamp();
        }
    }

    /// <summary>One phase's self time and how many times it was entered.</summary>
    public sealed record Entry(string Phase, TimeSpan Time, int Count);

    /// <summary>The phases measured so far, longest first, and the wall time since the last <see cref="Clear"/>.</summary>
    public (IReadOnlyList<Entry> Phases, TimeSpan Wall) Read()
    {
        lock (_gate)
        {
            var list = _byPhase.Select(p => new Entry(p.Key, Stopwatch.GetElapsedTime(0, p.Value.Ticks), p.Value.Count))
                .OrderByDescending(e => e.Time).ToList();
            return (list, Stopwatch.GetElapsedTime(_startedAt));
        }
    }

    /// <summary>A plain-text table: phase, seconds, share of the wall time, entries; the unmeasured rest as "other".</summary>
    public string ToText()
    {
        var (phases, wall) = Read();
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
