namespace ValueDrift.Attribution;

/// <summary>How gradients are taken: which parameters, and the seeded projection (0 = none) they are stored in.</summary>
public sealed record AttributionOptions
{
    public GradientRestriction Restriction { get; init; } = GradientRestriction.Default;
    /// <summary>Count-sketch size d (<see cref="GradientSketch"/>); 0 keeps the restricted gradients whole.</summary>
    public int ProjectionDimension { get; init; } = GradientSketch.DefaultDimension;
    public long ProjectionSeed { get; init; } = GradientSketch.DefaultSeed;
    /// <summary>Read and write per-example gradients under the stage folder's attribution-cache/.</summary>
    public bool UseCache { get; init; } = true;
    /// <summary>Scale each example's gradient to unit length before the inner product (<see cref="TracIn.Scores"/>).</summary>
    public bool UnitExampleGradients { get; init; } = true;
    /// <summary>
    /// Count each example only in the steps it was trained in, as often as it was (<see cref="TracIn.Term.Occurrences"/>,
    /// from the stage's seeded batch order): with 20 steps × 16 rows of 600, about half the rows are never trained on,
    /// and the plain sum would score them as if they had been.
    /// </summary>
    public bool TrainedStepsOnly { get; init; } = true;
}
