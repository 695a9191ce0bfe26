namespace ValueDrift.Experiments;

/// <summary>
/// What a plan run does with stages whose folders hold a different definition (<see cref="StagePlan.Run"/>): refuse
/// (the default), run the changed ones in new folders, or start named stages again from scratch.
/// </summary>
public sealed record StageRecovery
{
    /// <summary>A changed stage with progress: refused (default) or run in "&lt;name&gt;.2" beside it (<c>--new-folder</c>).</summary>
    public StageChangePolicy OnChange { get; init; } = StageChangePolicy.Refuse;

    /// <summary>
    /// Stages to start again (<c>--restart-stage NAME</c>): their folders are emptied and their trace records dropped,
    /// and so are those of every stage that starts from them (their start checkpoint changes with them).
    /// </summary>
    public IReadOnlyList<string> RestartStages { get; init; } = [];

    /// <summary>Completes a refusal's "to start it again, …" for a stage name (<see cref="StageRunner.RestartAdvice"/>).</summary>
    public Func<string, string>? RestartAdvice { get; init; }
}
