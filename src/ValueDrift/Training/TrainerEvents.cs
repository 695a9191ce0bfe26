using ValueDrift.Models;

namespace ValueDrift.Training;

/// <summary>Raised once before the first step of a run (Step 0, or the resumed step). Probes measure the starting point here.</summary>
public sealed record TrainingStartedEvent(string Objective, int Step, int MaxSteps, CausalLM Policy, bool Resumed);

/// <summary>Raised after every optimizer step with the step's metrics (TRL names).</summary>
public sealed record StepEndedEvent(string Objective, int Step, int MaxSteps, IReadOnlyDictionary<string, double> Metrics, CausalLM Policy);

/// <summary>Raised after a checkpoint folder is complete on disk.</summary>
public sealed record CheckpointSavedEvent(string Objective, int Step, string Directory);

/// <summary>Progress for a console bar or a notebook display.</summary>
public sealed record TrainingProgress(string Objective, int Step, int MaxSteps, double Loss, TimeSpan Elapsed)
{
    public TimeSpan? Remaining => Step == 0 ? null : Elapsed / Step * (MaxSteps - Step);
}
