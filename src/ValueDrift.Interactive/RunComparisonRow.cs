using ValueDrift.Drift;
using ValueDrift.Probes;

namespace ValueDrift.Interactive;

/// <summary>One topic and stance of a <see cref="RunComparison"/>: each run's drift-table row (null when not measured) and M(B) − M(A).</summary>
public sealed record RunComparisonRow(string Topic, Stance Stance, DriftRow? A, DriftRow? B)
{
    /// <summary>M(B) − M(A); NaN when either run lacks the row.</summary>
    public double Difference => A is null || B is null ? double.NaN : B.Magnitude - A.Magnitude;
}
