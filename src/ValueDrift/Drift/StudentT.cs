namespace ValueDrift.Drift;

/// <summary>Quantiles of Student's t distribution, for intervals of a mean over a few seeds.</summary>
public static class StudentT
{
    /// <summary>
    /// The p-quantile of t with <paramref name="df"/> degrees of freedom, for p in (0.5, 1). Hill's (1970)
    /// Cornish–Fisher expansion around the normal quantile (Algorithm 396), exact for df = 1 and 2 and within
    /// 1e-4 of tables elsewhere for the usual levels.
    /// </summary>
    public static double Quantile(double p, int df)
    {
        if (df < 1) throw new ArgumentOutOfRangeException(nameof(df), df, "needs at least one degree of freedom");
        if (p is <= 0.5 or >= 1) throw new ArgumentOutOfRangeException(nameof(p), p, "must be in (0.5, 1)");
        var q = 2 * (1 - p); // two-sided tail
        if (df == 1) return Math.Tan(Math.PI * (1 - q) / 2);
        if (df == 2) return Math.Sqrt(2 / (q * (2 - q)) - 2);
        double n = df;
        var a = 1 / (n - 0.5);
        var b = 48 / (a * a);
        var c = ((20700 * a / b - 98) * a - 16) * a + 96.36;
        var d = ((94.5 / (b + c) - 3) / b + 1) * Math.Sqrt(a * Math.PI / 2) * n;
        var x = d * q;
        var y = Math.Pow(x, 2 / n);
        if (y > 0.05 + a)
        {
            x = ConfidenceBand.NormalQuantile(q * 0.5);
            y = x * x;
            if (n < 5) c += 0.3 * (n - 4.5) * (x + 0.6);
            c = (((0.05 * d * x - 5) * x - 7) * x - 2) * x + b + c;
            y = (((((0.4 * y + 6.3) * y + 36) * y + 94.5) / c - y - 3) / b + 1) * x;
            y = a * y * y;
            y = y > 0.002 ? Math.Exp(y) - 1 : 0.5 * y * y + y;
        }
        else
        {
            y = ((1 / (((n + 6) / (n * y) - 0.089 * d - 0.822) * (n + 2) * 3) + 0.5 / (n + 4)) * y - 1) * (n + 1) / (n + 2) + 1 / y;
        }
        return Math.Sqrt(n * y);
    }
}
