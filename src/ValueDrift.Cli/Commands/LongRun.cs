using System.Diagnostics;

namespace ValueDrift.Cli.Commands;

/// <summary>
/// A long multi-stage command (demo, reproduce): timestamped progress lines on stderr, and Ctrl+C stopping after the
/// current step — exit code 130, with the hint to run the same command again, which continues where it stopped.
/// </summary>
public static class LongRun
{
    /// <param name="work">Gets the log line writer and the cancellation token; returns the exit code.</param>
    public static int Execute(CliIO io, Func<Action<string>, CancellationToken, int> work)
    {
        var clock = Stopwatch.StartNew();
        void Log(string line) => io.Err.WriteLine($"[{clock.Elapsed:hh\\:mm\\:ss}] {line}");
        using var cts = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cts.Cancel(); Log("stopping after this step (run again to continue)…"); };
        Console.CancelKeyPress += onCancel;
        try { return work(Log, cts.Token); }
        catch (OperationCanceledException)
        {
            Log("stopped; run the same command again to continue");
            return 130;
        }
        finally { Console.CancelKeyPress -= onCancel; }
    }
}
