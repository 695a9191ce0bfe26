using System.Diagnostics;
using System.Globalization;

namespace ValueDrift.Benchmarks;

/// <summary>
/// The standard background load of <c>--background-load</c>: a busy loop in a child process pinned to one CPU, for as
/// long as this object lives. The loop is a POSIX shell's arithmetic, so it needs nothing installed; after every
/// ~20 ms of its own CPU time it checks that the process it serves is alive and ends when it is not, so a benchmark
/// killed outright (no chance to run <see cref="Dispose"/>) leaves nothing spinning. Dispose, SIGTERM or the
/// process's normal exit stop it at once.
/// </summary>
public sealed class BusyCore : IDisposable
{
    /// <summary>The loop: count to 20,000 in shell arithmetic (about 20 ms of CPU), then check the watched process.</summary>
    private const string Script = "while kill -0 \"$1\" 2>/dev/null; do i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; done";

    private readonly Process _process;
    private readonly EventHandler _onExit;
    private bool _disposed;

    /// <summary>The CPU the loop holds.</summary>
    public int Cpu { get; }

    /// <summary>Starts the loop on the lowest CPU this process may use; it lives until disposed or until <paramref name="watchPid"/> (default: this process) ends.</summary>
    public BusyCore(int? watchPid = null)
    {
        using var self = Process.GetCurrentProcess();
        long allowed = (long)self.ProcessorAffinity;
        Cpu = allowed == 0 ? 0 : System.Numerics.BitOperations.TrailingZeroCount(allowed);
        var pid = (watchPid ?? Environment.ProcessId).ToString(CultureInfo.InvariantCulture);
        var info = new ProcessStartInfo("/bin/sh", ["-c", Script, "valuedrift-busy-core", pid]) { UseShellExecute = false };
        _process = Process.Start(info) ?? throw new InvalidOperationException("could not start the background load (/bin/sh)");
        _onExit = (_, _) => Stop();
        AppDomain.CurrentDomain.ProcessExit += _onExit;   // SIGTERM and normal exit; SIGKILL is the loop's own check
        try { _process.ProcessorAffinity = (IntPtr)(1L << Cpu); }
        catch (Exception) { Dispose(); throw; }
    }

    /// <summary>The loop's CPU time so far (a check that it spins).</summary>
    public TimeSpan CpuTime
    {
        get { if (!Running) return TimeSpan.Zero; _process.Refresh(); return _process.TotalProcessorTime; }
    }

    /// <summary>Whether the loop is still running.</summary>
    public bool Running => !_disposed && !_process.HasExited;

    /// <summary>
    /// Starts the loop and waits until it has spun for a while, so a measurement begins under the full load; throws
    /// when it does not spin (a load that is not there would report idle figures as loaded).
    /// </summary>
    public static BusyCore StartSpinning()
    {
        var busy = new BusyCore();
        var until = Stopwatch.StartNew();
        while (busy.CpuTime < TimeSpan.FromMilliseconds(200) && until.Elapsed < TimeSpan.FromSeconds(30)) Thread.Sleep(50);
        if (busy.CpuTime < TimeSpan.FromMilliseconds(200))
        {
            busy.Dispose();
            throw new InvalidOperationException("the background load did not start spinning (/bin/sh busy loop)");
        }
        return busy;
    }

    private void Stop()
    {
        try { if (!_process.HasExited) { _process.Kill(); _process.WaitForExit(5_000); } }
        catch (InvalidOperationException) { /* already gone */ }
    }

    public void Dispose()
    {
        if (_disposed) return;
        AppDomain.CurrentDomain.ProcessExit -= _onExit;
        Stop();
        _process.Dispose();
        _disposed = true;
    }
}
