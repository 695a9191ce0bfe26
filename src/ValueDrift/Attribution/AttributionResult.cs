namespace ValueDrift.Attribution;

/// <summary>One checkpoint's part in an attribution: its step, learning rate and the stance score there.</summary>
public sealed record CheckpointTerm(int Step, double LearningRate, double StanceScore, bool FromCache);

/// <summary>
/// Every training example of a stage scored by how much it pushed the model toward <see cref="Stance"/> on
/// <see cref="Topic"/> (<see cref="TracIn"/>); <see cref="Scores"/>[i] belongs to the stage's i-th example.
/// </summary>
public sealed record AttributionResult(
    string Stage, string Algorithm, string Topic, string Stance, string Method, string Restriction, string Projection,
    IReadOnlyList<CheckpointTerm> Checkpoints, IReadOnlyList<double> Scores, IReadOnlyList<string> Texts, TimeSpan Elapsed)
{
    public const string MethodName = "tracin-cp";
    /// <summary>Examples the stage never trained on (scored 0 when scores count only trained steps); null when not counted.</summary>
    public int? NeverTrained { get; init; }
    /// <summary>TracIn-CP with unit-length example gradients.</summary>
    public const string UnitMethodName = "tracin-cp-unit";

    /// <summary>Example indices by score, highest first (ties by index, so the order is deterministic).</summary>
    public IReadOnlyList<int> Ranked() =>
        Enumerable.Range(0, Scores.Count).OrderByDescending(i => Scores[i]).ThenBy(i => i).ToList();

    /// <summary>The top <paramref name="k"/> indices.</summary>
    public IReadOnlyList<int> Top(int k) => Ranked().Take(k).ToList();
}
