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
}
