using System.Net;
using ValueDrift.Errors;

namespace ValueDrift.Interactive;

/// <summary>
/// A stage cell that failed, read as one line. A notebook kernel shows a failed cell by the exception's
/// <c>ToString()</c>, which for a .NET exception is the message followed by the whole stack; what a reader needs is the
/// message (the project's errors name the file, row and field). So this exception's text is that one line; the
/// original, stack included, is <see cref="Exception.InnerException"/>, and <see cref="Raise"/> shows it in a
/// collapsed details element above the error.
/// </summary>
public sealed class StageFailedException(string stage, Exception cause)
    : ValueDriftException($"{stage} failed: {cause.Message}", cause)
{
    /// <summary>The stage that failed.</summary>
    public string Stage { get; } = stage;

    public override string ToString() => Message;

    public override string? StackTrace => null;

    /// <summary>
    /// Ends <paramref name="progress"/> with "failed: …", shows the cause's stack collapsed in the running cell (when
    /// there is one) and returns the exception for the caller to throw.
    /// </summary>
    public static StageFailedException Raise(string stage, Exception cause, StageProgress? progress)
    {
        var failed = new StageFailedException(stage, cause);
        progress?.Finish(failed.Message);
        KernelDisplay.Show(new ProgressView(
            $"<details><summary>{WebUtility.HtmlEncode(failed.Message)} (the stack trace)</summary><pre>{WebUtility.HtmlEncode(cause.ToString())}</pre></details>"));
        return failed;
    }
}
