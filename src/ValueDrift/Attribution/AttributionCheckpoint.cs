using ValueDrift.Errors;
using ValueDrift.Training;

namespace ValueDrift.Attribution;

/// <summary>
/// A point of the stage's training where gradients are taken: the model after <see cref="Step"/> updates (step 0 is
/// the checkpoint the stage started from) and the learning rate of the update that followed it.
/// </summary>
public sealed record AttributionCheckpoint(int Step, string Directory, double LearningRate)
{
    /// <summary>
    /// The stage's start (step 0) and every checkpoint it saved before its final step, each with
    /// <see cref="LearningRateSchedule.At"/>. The final checkpoint is left out: no update follows it. A stage that saved
    /// none before its end is refused, naming the <c>--checkpoint-every</c> it needs.
    /// </summary>
    public static IReadOnlyList<AttributionCheckpoint> Of(StageRecord record)
    {
        var options = record.Stage.Training;
        var root = Path.Combine(record.Directory, "checkpoints");
        var saved = !System.IO.Directory.Exists(root) ? [] : System.IO.Directory.EnumerateDirectories(root, "step-*")
            .Select(d => (Ok: int.TryParse(Path.GetFileName(d)["step-".Length..], out int s), Step: s, Dir: d))
            .Where(x => x.Ok && x.Step > 0 && x.Step < options.MaxSteps && File.Exists(Path.Combine(x.Dir, TrainingCheckpoint.StateFile)))
            .OrderBy(x => x.Step)
            .Select(x => new AttributionCheckpoint(x.Step, x.Dir, LearningRateSchedule.At(x.Step, options)))
            .ToList();
        if (saved.Count == 0)
            throw new CheckpointException(root, null,
                $"stage '{record.Stage.Name}' saved no checkpoint before its final step {options.MaxSteps}, and attribution needs the model along the way: " +
                $"run it again in a new folder with --checkpoint-every {SuggestedEvery(options.MaxSteps)} (TrainerOptions.CheckpointEvery)");
        return [new AttributionCheckpoint(0, record.StartModel, LearningRateSchedule.At(0, options)), .. saved];
    }

    /// <summary>Four checkpoints over the stage (plus its start): enough to follow drift that changes pace.</summary>
    public static int SuggestedEvery(int maxSteps) => Math.Max(1, maxSteps / 4);
}
