using Microsoft.Extensions.Logging;

namespace ValueDrift.Common;

/// <summary>
/// A line every <see cref="DefaultInterval"/> (or the interval given) while slow outside work runs — an endpoint's
/// answers or judgements — saying how far it is: <c>judge: 12 of 40 answers judged (20 s)</c>. A timer writes it, so a
/// silent endpoint still shows its count standing still. Nothing is written for work done within one interval; when a
/// line was written, one more says the work is done.
/// </summary>
public sealed class ProgressLine : IDisposable
{
    /// <summary>How often a line is written unless told otherwise: often enough that a stalled run is visible, rarely enough not to flood a log.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(10);

    private readonly ILogger _log;
    private readonly string _what, _unit;
    private readonly int _total;
    private readonly System.Diagnostics.Stopwatch _watch = System.Diagnostics.Stopwatch.StartNew();
    private readonly Timer _timer;
    private int _done, _written;

    /// <param name="what">The line's start, e.g. "judge".</param>
    /// <param name="unit">What is counted, e.g. "answers judged".</param>
    public ProgressLine(ILogger log, string what, int total, string unit, TimeSpan? interval = null)
    {
        (_log, _what, _total, _unit) = (log, what, total, unit);
        var every = interval ?? DefaultInterval;
        if (every <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(interval), every, "the progress interval must be positive");
        _timer = new Timer(_ => Write(), null, every, every);
    }

    public int Done => Volatile.Read(ref _done);

    /// <summary>Counts <paramref name="n"/> more done; safe from several threads.</summary>
    public void Add(int n = 1) => Interlocked.Add(ref _done, n);

    private readonly object _writing = new();

    private void Write()
    {
        // A timer's callbacks can overlap when a machine is busy: one at a time, each reading the count as it writes,
        // so the lines' counts never go down.
        lock (_writing)
        {
            Interlocked.Increment(ref _written);
            _log.Line(FormattableString.Invariant($"{_what}: {Done} of {_total} {_unit} ({_watch.Elapsed.TotalSeconds:0} s)"));
        }
    }

    public void Dispose()
    {
        using (var stopped = new ManualResetEvent(false))
            if (_timer.Dispose(stopped)) stopped.WaitOne();   // no timer line after the last one
        if (Volatile.Read(ref _written) > 0) Write();
    }
}
