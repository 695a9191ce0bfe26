namespace ValueDrift.Attribution;

/// <summary>
/// The TracIn-CP sum (Pruthi et al., 2020) aimed at a stance score S instead of a test loss:
/// <code>score(z) = Σ_c η_c · ⟨−∇ℓ_z(θ_c), ∇S(θ_c)⟩</code>
/// over checkpoints c with the learning rate η_c of the update after them. One gradient-descent step on z alone moves
/// S by about η·⟨−∇ℓ_z, ∇S⟩, so a positive score means training on z pushed the model toward the stance. (The
/// trainer's AdamW rescales coordinates and averages over a batch; TracIn's first-order, SGD reading ignores both,
/// which changes magnitudes, not which examples rank first — the ablation is there to check that.)
/// </summary>
public static class TracIn
{
    /// <summary>
    /// One checkpoint's ingredients: η, the examples' gradients (N rows) and the stance score's gradient; with
    /// <paramref name="Occurrences"/>, how many times each example was trained on in the steps this checkpoint stands
    /// for (up to the next checkpoint), so an example counts only where it was actually trained, as often as it was.
    /// Null: every example once (the plain TracIn-CP sum).
    /// </summary>
    public sealed record Term(double LearningRate, float[][] ExampleGradients, float[] ScoreGradient, IReadOnlyList<int>? Occurrences = null);

    /// <summary>
    /// score(z_i) for every example i, summed over <paramref name="terms"/>. With <paramref name="unitExamples"/>
    /// each example's gradient is first scaled to unit length (as LESS does, Xia et al. 2024), so the score measures
    /// how well the example's update aligns with the stance's direction rather than how large its loss gradient is
    /// (short, badly fitted rows otherwise dominate).
    /// </summary>
    public static double[] Scores(IReadOnlyList<Term> terms, bool unitExamples = false)
    {
        if (terms.Count == 0) return [];
        int n = terms[0].ExampleGradients.Length;
        var scores = new double[n];
        foreach (var t in terms)
        {
            if (t.ExampleGradients.Length != n) throw new ArgumentException("every checkpoint needs the same examples", nameof(terms));
            if (t.Occurrences is { } o && o.Count != n) throw new ArgumentException("one occurrence count per example", nameof(terms));
            for (int i = 0; i < n; i++)
            {
                if (t.Occurrences is { } times && times[i] == 0) continue;
                double dot = Dot(t.ExampleGradients[i], t.ScoreGradient);
                if (unitExamples)
                {
                    double norm = Math.Sqrt(Dot(t.ExampleGradients[i], t.ExampleGradients[i]));
                    dot = norm > 0 ? dot / norm : 0;
                }
                scores[i] -= t.LearningRate * (t.Occurrences?[i] ?? 1) * dot;
            }
        }
        return scores;
    }

    public static double Dot(float[] a, float[] b)
    {
        if (a.Length != b.Length) throw new ArgumentException($"gradients of different lengths ({a.Length} vs {b.Length})");
        double sum = 0;
        for (int i = 0; i < a.Length; i++) sum += (double)a[i] * b[i];
        return sum;
    }
}
