using System.CommandLine;
using ValueDrift.Cli.Commands;
using ValueDrift.Errors;
using ValueDrift.Models;

namespace ValueDrift.Cli;

/// <summary>
/// The <c>valuedrift</c> command. One file per verb under Commands/. Bad input is reported as one line on stderr
/// (exit code 2) naming the file and field; anything else is a bug and keeps its stack trace (exit code 1).
/// </summary>
public static class CliApp
{
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var root = new RootCommand("ValueDrift: trace a language model's values (stance distributions) through post-training.");
        var io = new CliIO(stdout, stderr);
        ICliCommand[] commands =
        [
            new LogitsCommand(),
            new GenerateCommand(),
            new TrainCommand(),
            new RewardsCommand(),
            new ProbeCommand(),
            new GapCommand(),
            new DriftCommand(),
            new DemoCommand(),
            new ReproduceCommand(),
            new SweepCommand(),
            new DataCommand(),
            new MergeCommand(),
            new PlanCommand(),
            new AttributeCommand(),
            new SplitsCommand(),
            new FiguresCommand(),
        ];
        foreach (var c in commands) root.Subcommands.Add(c.Build(io));
        var device = new Option<string?>("--device") { Description = "cpu | cuda | cuda:N for every model this command loads (default: cuda when available)", Recursive = true };
        root.Options.Add(device);
        try
        {
            var parsed = root.Parse(args);
            if (parsed.GetValue(device) is { } d) TorchRuntime.ComputeDevice = TorchRuntime.ParseDevice(d);
            return parsed.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (ValueDriftException e)
        {
            stderr.WriteLine("error: " + e.Message);
            return 2;
        }
    }
}

/// <summary>Where a command writes: results to Out (machine-readable where documented), progress and errors to Err.</summary>
public sealed record CliIO(TextWriter Out, TextWriter Err);

public interface ICliCommand
{
    Command Build(CliIO io);
}
