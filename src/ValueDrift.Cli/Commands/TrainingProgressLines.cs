using ValueDrift.Training;

namespace ValueDrift.Cli.Commands;

/// <summary>About ten progress lines per training run, for long multi-stage commands (demo, reproduce).</summary>
public sealed class TrainingProgressLines(Action<string> log) : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress p)
    {
        int every = Math.Max(1, p.MaxSteps / 10);
        if (p.Step % every == 0 || p.Step == p.MaxSteps)
            log($"  {p.Objective} step {p.Step}/{p.MaxSteps} loss {p.Loss:F4}" + (p.Remaining is { } rem ? $" (~{rem.TotalSeconds:F0} s left)" : ""));
    }
}
