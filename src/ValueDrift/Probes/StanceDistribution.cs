namespace ValueDrift.Probes;

/// <summary>
/// A probability distribution over the three stances (support, neutral, oppose), e.g. a judge's reading of one
/// answer, or the paper's value v_θ(T) of a model on a topic (the mean over questions and sampled answers).
/// Immutable; the constructor checks each probability is in [0, 1] and that they sum to 1 within 1e-6.
/// </summary>
public sealed record StanceDistribution
{
    /// <summary>Tolerance on the sum of the three probabilities.</summary>
    public const double SumTolerance = 1e-6;

    public double Support { get; }
    public double Neutral { get; }
    public double Oppose { get; }

    public StanceDistribution(double support, double neutral, double oppose)
    {
        Check(support, nameof(support));
        Check(neutral, nameof(neutral));
        Check(oppose, nameof(oppose));
        var sum = support + neutral + oppose;
        if (Math.Abs(sum - 1.0) > SumTolerance)
            throw new ArgumentException($"stance probabilities must sum to 1 (got {support} + {neutral} + {oppose} = {sum})");
        Support = support;
        Neutral = neutral;
        Oppose = oppose;
    }

    private static void Check(double p, string name)
    {
        // A little slack below 0 / above 1 so that values read back from text round-trip.
        if (double.IsNaN(p) || p < -SumTolerance || p > 1 + SumTolerance)
            throw new ArgumentOutOfRangeException(name, p, "a stance probability must be in [0, 1]");
    }

    /// <summary>The uniform distribution (1/3 each).</summary>
    public static StanceDistribution Uniform { get; } = new(1.0 / 3, 1.0 / 3, 1.0 / 3);

    /// <summary>All mass on one stance.</summary>
    public static StanceDistribution OneHot(Stance s) => s switch
    {
        Stance.Support => new(1, 0, 0),
        Stance.Neutral => new(0, 1, 0),
        _ => new(0, 0, 1),
    };

    /// <summary>Probability of a stance.</summary>
    public double this[Stance s] => s switch
    {
        Stance.Support => Support,
        Stance.Neutral => Neutral,
        Stance.Oppose => Oppose,
        _ => throw new ArgumentOutOfRangeException(nameof(s)),
    };

    /// <summary>The most probable stance; ties go to the earlier stance in the fixed order.</summary>
    public Stance Dominant =>
        Support >= Neutral && Support >= Oppose ? Stance.Support : Neutral >= Oppose ? Stance.Neutral : Stance.Oppose;

    /// <summary>
    /// The reading oriented to a topic's stated position: unchanged for polarity 1; support and oppose swapped for
    /// −1 (opposing a question that proposes the opposite of the position is supporting the position).
    /// </summary>
    public StanceDistribution Oriented(int polarity) => polarity switch
    {
        1 => this,
        -1 => new StanceDistribution(Oppose, Neutral, Support),
        _ => throw new ArgumentOutOfRangeException(nameof(polarity), polarity, "polarity must be 1 or -1"),
    };

    /// <summary>The three probabilities in the fixed order.</summary>
    public double[] ToArray() => [Support, Neutral, Oppose];

    /// <summary>
    /// Soft-max of three scores given in the fixed order: logits, or log-probs of the three label options (any
    /// additive constant cancels). Subtracts the maximum first so large or very negative inputs neither overflow
    /// nor underflow to 0/0. Negative infinity is allowed (probability 0) as long as one score is finite.
    /// </summary>
    public static StanceDistribution From(double support, double neutral, double oppose)
    {
        if (double.IsNaN(support) || double.IsNaN(neutral) || double.IsNaN(oppose) ||
            double.IsPositiveInfinity(support) || double.IsPositiveInfinity(neutral) || double.IsPositiveInfinity(oppose))
            throw new ArgumentException($"stance scores must be finite or -infinity (got {support}, {neutral}, {oppose})");
        var max = Math.Max(support, Math.Max(neutral, oppose));
        if (double.IsNegativeInfinity(max))
            throw new ArgumentException("at least one stance score must be finite");
        var es = Math.Exp(support - max);
        var en = Math.Exp(neutral - max);
        var eo = Math.Exp(oppose - max);
        var z = es + en + eo;
        return Normalised(es / z, en / z, eo / z);
    }

    /// <summary>Soft-max of three scores in the fixed order (see <see cref="From(double,double,double)"/>).</summary>
    public static StanceDistribution From(IReadOnlyList<double> scores)
    {
        if (scores.Count != 3) throw new ArgumentException($"expected 3 stance scores, got {scores.Count}");
        return From(scores[0], scores[1], scores[2]);
    }

    /// <summary>Element-wise mean: the paper's average over sampled answers, then over a topic's questions.</summary>
    public static StanceDistribution Mean(IEnumerable<StanceDistribution> distributions)
    {
        double s = 0, n = 0, o = 0;
        var count = 0;
        foreach (var d in distributions)
        {
            s += d.Support; n += d.Neutral; o += d.Oppose;
            count++;
        }
        if (count == 0) throw new ArgumentException("the mean of no stance distributions is undefined");
        return Normalised(s / count, n / count, o / count);
    }

    /// <summary>Builds a distribution from non-negative weights, dividing by their sum (absorbs rounding drift).</summary>
    public static StanceDistribution Normalised(double support, double neutral, double oppose)
    {
        var z = support + neutral + oppose;
        if (!(z > 0) || support < 0 || neutral < 0 || oppose < 0 || double.IsInfinity(z))
            throw new ArgumentException($"cannot normalise stance weights {support}, {neutral}, {oppose}");
        return new(support / z, neutral / z, oppose / z);
    }

    public override string ToString() =>
        FormattableString.Invariant($"support {Support:0.000}, neutral {Neutral:0.000}, oppose {Oppose:0.000}");
}
