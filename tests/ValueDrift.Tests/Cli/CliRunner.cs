using ValueDrift.Cli;

namespace ValueDrift.Tests.Cli;

/// <summary>
/// Runs the valuedrift command in-process and captures what it prints. The writers are synchronized, as the console's
/// are: progress lines come from timer threads while the command logs on its own.
/// </summary>
public static class CliRunner
{
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter(); var e = new StringWriter();
        int code = CliApp.Run(args, TextWriter.Synchronized(o), TextWriter.Synchronized(e));
        return (code, o.ToString(), e.ToString());
    }
}
