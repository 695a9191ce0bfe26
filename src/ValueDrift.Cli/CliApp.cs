using System.CommandLine;
using ValueDrift.Cli.Commands;
using ValueDrift.Data;
using ValueDrift.Errors;
using ValueDrift.Models;

namespace ValueDrift.Cli;

/// <summary>
/// The <c>valuedrift</c> command. One file per verb under Commands/. Bad input is reported as one line on stderr
/// (exit code 2) naming the file and field; anything else is a bug, also reported as one line (exit code 1), with its
/// stack trace only under <c>--verbose</c>.
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
        var verboseOption = new Option<bool>("--verbose") { Description = "with an error, print its stack trace too", Recursive = true };
        root.Options.Add(verboseOption);
        var maxLine = new Option<long?>(DatasetLimits.MaxLineOption)
        {
            Description = $"longest JSONL line read, in MiB (default {DatasetLimits.DefaultMaxLineBytes >> 20}, or {DatasetLimits.MaxLineVariable}); a longer line is a row error",
            Recursive = true,
        };
        root.Options.Add(maxLine);
        bool verbose = args.Contains("--verbose");   // read before parsing: a parse that throws still honours it
        try
        {
            var parsed = root.Parse(args);
            if (parsed.GetValue(device) is { } d) TorchRuntime.ComputeDevice = TorchRuntime.ParseDevice(d);
            using var lineCap = DatasetLimits.Override(parsed.Errors.Count == 0 ? parsed.GetValue(maxLine) : null);
            return parsed.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (ValueDriftException e)
        {
            stderr.WriteLine("error: " + e.Message);
            if (verbose) stderr.WriteLine(e);
            return 2;
        }
        catch (Exception e)
        {
            // Never a bare stack to the user: one line saying what failed, the stack on request.
            var inner = e is AggregateException { InnerExceptions.Count: 1 } a ? a.InnerExceptions[0] : e;
            stderr.WriteLine($"error: {inner.GetType().Name}: {inner.Message.ReplaceLineEndings(" ")}" +
                (verbose ? "" : " (an unexpected error: run again with --verbose for the stack trace, and please report it)"));
            if (verbose) stderr.WriteLine(e);
            return 1;
        }
    }
}

/// <summary>Where a command writes: results to Out (machine-readable where documented), progress and errors to Err.</summary>
public sealed record CliIO(TextWriter Out, TextWriter Err);

public interface ICliCommand
{
    Command Build(CliIO io);
}
