using System.Diagnostics;

namespace ValueDrift.Cli.Commands;

/// <summary>How a command starts one of its own worker processes (a sweep variant, a seed run): this CLI again.</summary>
public static class WorkerLaunch
{
    /// <summary>The CLI's own assembly run by the dotnet host that runs this process, with <paramref name="args"/>.</summary>
    public static ProcessStartInfo Self(IEnumerable<string> args)
    {
        var host = Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "dotnet";
        var info = new ProcessStartInfo(host);
        info.ArgumentList.Add(typeof(CliApp).Assembly.Location);
        foreach (var a in args) info.ArgumentList.Add(a);
        // The JSONL line cap this command runs under (--max-line-mb or the variable), for the workers too.
        info.Environment[ValueDrift.Data.DatasetLimits.MaxLineVariable] = (ValueDrift.Data.DatasetLimits.MaxLineBytes >> 20).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return info;
    }
}
