namespace ValueDrift.Experiments;

/// <summary>What a stage left behind: its final checkpoint (the next stage's start), its metrics, and how long it took.</summary>
public sealed record StageResult(
    Stage Stage,
    string StartedFrom,
    string FinalCheckpoint,
    IReadOnlyList<(int Step, IReadOnlyDictionary<string, double> Metrics)> Metrics,
    TimeSpan Elapsed,
    bool AlreadyComplete);
