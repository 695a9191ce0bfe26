namespace ValueDrift.Training;

/// <summary>
/// What a training loop announces, so observers (probes, notebooks, progress displays) attach the same way to the
/// one <see cref="TrainingLoop"/>, whatever the algorithm.
/// </summary>
public interface ITrainingEvents
{
    event Action<TrainingStartedEvent>? Started;
    event Action<StepEndedEvent>? StepEnded;
    event Action<CheckpointSavedEvent>? CheckpointSaved;
}
