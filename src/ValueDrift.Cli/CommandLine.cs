namespace ValueDrift.Cli;

/// <summary>Command lines printed for the user to run: each argument quoted for a POSIX shell when it needs it.</summary>
public static class CommandLine
{
    public static string Quote(string argument) =>
        argument.Length > 0 && argument.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:=,@+%".Contains(c))
            ? argument
            : "'" + argument.Replace("'", "'\\''") + "'";
}
