using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ValueDrift.Common;

/// <summary>
/// The one way the library reports what it is doing: an <see cref="ILogger"/> (Microsoft.Extensions.Logging), so a
/// host can plug in its own. <see cref="To"/> makes one that writes each message as plain lines — a console, a
/// notebook cell, a test's StringWriter — with warnings and errors marked. Training progress (step, loss, ETA) is
/// not logging: it goes to an <c>IProgress&lt;TrainingProgress&gt;</c>.
/// </summary>
public sealed class LineLogger(Action<string> write, LogLevel minimum = LogLevel.Information) : ILogger
{
    /// <summary>A logger writing lines to <paramref name="write"/> (e.g. <c>Console.WriteLine</c>).</summary>
    public static ILogger To(Action<string> write) => new LineLogger(write);

    /// <summary>A logger writing lines to a text writer (e.g. a command's stderr).</summary>
    public static ILogger To(TextWriter writer) => new LineLogger(writer.WriteLine);

    /// <summary>Nothing is written.</summary>
    public static ILogger None => NullLogger.Instance;

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum && logLevel != LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel)) return;
        var text = formatter(state, exception);
        write(logLevel switch
        {
            LogLevel.Warning => "warning: " + text,
            >= LogLevel.Error => "error: " + text,
            _ => text,
        });
    }
}

/// <summary>Plain-text messages for <see cref="ILogger"/> (no message templates: a path or a reason may hold braces).</summary>
public static class LoggerLines
{
    public static void Line(this ILogger logger, string text) => logger.Log(LogLevel.Information, default, text, null, (s, _) => s);

    public static void Warn(this ILogger logger, string text) => logger.Log(LogLevel.Warning, default, text, null, (s, _) => s);
}
