namespace ValueDrift.Experiments;

/// <summary>What a stage left behind: its final checkpoint (the next stage's start), its folder, its metrics, and how long it took.</summary>
/// <param name="Stage">The stage as run (renamed "&lt;name&gt;.k" when <see cref="StageChangePolicy.NewFolder"/> gave it a new folder).</param>
public sealed record StageResult(
    Stage Stage,
    string StartedFrom,
    string FinalCheckpoint,
    string Directory,
    IReadOnlyList<(int Step, IReadOnlyDictionary<string, double> Metrics)> Metrics,
    TimeSpan Elapsed,
    bool AlreadyComplete);
