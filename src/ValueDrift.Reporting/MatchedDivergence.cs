using ValueDrift.Drift;

namespace ValueDrift.Reporting;

/// <summary>
/// How far a method moves a stance per nat of divergence from its start: the least-squares slope of M on
/// KL-from-start through the origin (a policy that has not moved has not drifted), b = Σ x·y / Σ x², with a 95%
/// t-interval on n − 1 degrees of freedom from the residuals, se(b) = √(Σ (y − b·x)² / (n − 1) / Σ x²). Comparing
/// methods by b compares them at matched divergence, not at matched learning rate or step count, where a method
/// that simply takes larger steps looks like a stronger mover.
/// </summary>
public static class MatchedDivergence
{
    public sealed record Slope(double PerNat, double Lower, double Upper, int N);

    /// <summary>The slope and its interval; null with fewer than two points or no divergence at all.</summary>
    public static Slope? Of(IReadOnlyList<double> kl, IReadOnlyList<double> m)
    {
        if (kl.Count != m.Count) throw new ArgumentException($"{kl.Count} KL values for {m.Count} magnitudes");
        int n = kl.Count;
        double sxx = kl.Sum(x => x * x);
        if (n < 2 || sxx <= 0) return null;
        double b = kl.Zip(m, (x, y) => x * y).Sum() / sxx;
        double rss = kl.Zip(m, (x, y) => (y - b * x) * (y - b * x)).Sum();
        double half = StudentT.Quantile(0.975, n - 1) * Math.Sqrt(rss / (n - 1) / sxx);
        return new Slope(b, b - half, b + half, n);
    }
}
