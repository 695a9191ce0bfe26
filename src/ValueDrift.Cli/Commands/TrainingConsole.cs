using Spectre.Console;
using ValueDrift.Training;

namespace ValueDrift.Cli.Commands;

/// <summary>
/// Training progress on stderr: a Spectre.Console progress bar on an interactive terminal, otherwise (redirected
/// output, tests) one plain line every few steps, so logs stay readable.
/// </summary>
public static class TrainingConsole
{
    /// <summary>Runs <paramref name="work"/>, handing it the progress sink to report to.</summary>
    public static void Run(CliIO io, string name, int maxSteps, Action<IProgress<TrainingProgress>> work)
    {
        bool interactive = ReferenceEquals(io.Err, Console.Error) && !Console.IsErrorRedirected;
        if (!interactive)
        {
            int every = Math.Max(1, maxSteps / 20);
            work(new Sink(p =>
            {
                if (p.Step % every == 0 || p.Step == p.MaxSteps)
                    io.Err.WriteLine($"{p.Objective} step {p.Step}/{p.MaxSteps} loss {p.Loss:G5} elapsed {p.Elapsed:hh\\:mm\\:ss}" +
                        (p.Remaining is { } r ? $" remaining {r:hh\\:mm\\:ss}" : ""));
            }));
            return;
        }
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(name, maxValue: maxSteps);
                work(new Sink(p =>
                {
                    task.Value = p.Step;
                    task.Description = $"{p.Objective} loss {p.Loss:G4}";
                }));
            });
    }

    /// <summary>Reports synchronously on the training thread (System.Progress would post to the thread pool).</summary>
    private sealed class Sink(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
