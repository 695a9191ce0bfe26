using System.Diagnostics;
using System.Text;

namespace ValueDrift.Tests.Reliability;

/// <summary>
/// <c>valuedrift</c> in a child process (the built ValueDrift.Cli.dll), so a test can run two writers at once or
/// SIGKILL one mid-run. Its stdout and stderr are collected as they come.
/// </summary>
public sealed class CliProcess : IDisposable
{
    private readonly StringBuilder _out = new(), _err = new();
    public Process Process { get; }

    private CliProcess(Process p) => Process = p;

    public static CliProcess Start(params string[] args)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false,
        };
        // One compute thread in every run, so uninterrupted and resumed runs round identically.
        start.Environment["OMP_NUM_THREADS"] = "1";
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ValueDrift.Cli.dll"));
        foreach (var a in args) start.ArgumentList.Add(a);
        var cli = new CliProcess(Process.Start(start)!);
        cli.Process.OutputDataReceived += (_, e) => { if (e.Data is { } l) lock (cli._out) cli._out.AppendLine(l); };
        cli.Process.ErrorDataReceived += (_, e) => { if (e.Data is { } l) lock (cli._err) cli._err.AppendLine(l); };
        cli.Process.BeginOutputReadLine();
        cli.Process.BeginErrorReadLine();
        return cli;
    }

    public int Id => Process.Id;
    public bool HasExited => Process.HasExited;
    public string Out { get { lock (_out) return _out.ToString(); } }
    public string Err { get { lock (_err) return _err.ToString(); } }

    /// <summary>Waits for the exit (failing the test after <paramref name="limit"/>) and returns the exit code.</summary>
    public int Wait(TimeSpan limit)
    {
        if (!Process.WaitForExit(limit)) { Kill(); throw new TimeoutException($"valuedrift did not finish within {limit}: {Err}"); }
        Process.WaitForExit();   // drains the output
        return Process.ExitCode;
    }

    /// <summary>SIGKILL, then waits for the process to be gone.</summary>
    public void Kill()
    {
        if (!Process.HasExited) Process.Kill();
        Process.WaitForExit();
    }

    /// <summary>Polls <paramref name="condition"/> every 10 ms until it holds, the process exits, or <paramref name="limit"/> passes.</summary>
    public bool WaitUntil(Func<bool> condition, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < limit)
        {
            if (condition()) return true;
            if (Process.HasExited) return condition();
            Thread.Sleep(10);
        }
        return false;
    }

    public void Dispose()
    {
        if (!Process.HasExited) Kill();
        Process.Dispose();
    }
}
