using Microsoft.Extensions.Logging;
using ValueDrift.Common;

namespace ValueDrift.Interactive;

/// <summary>
/// Where a session writes its progress lines when the caller names no logger. In a front end that redraws the
/// progress output in place (VS Code, Jupyter) the live output already shows it, so nothing more; everywhere else
/// (dotnet-repl running a notebook headless, <c>dotnet fsi</c>, a console program) standard output, so a cold first
/// run that pretrains for minutes is never silent (a line every <see cref="StageProgress.LogEvery"/>).
/// </summary>
public static class SessionLog
{
    /// <summary>The logger a session uses when none is given.</summary>
    public static ILogger Default() => KernelDisplay.LiveOutputs ? LineLogger.None : LineLogger.To(Console.Out);
}
