using System.Text;

namespace ValueDrift.Probes;

/// <summary>
/// How well a judge agrees with gold labels: accuracy of its dominant stance and a 3×3 confusion matrix
/// (rows gold, columns predicted, both in the order support, neutral, oppose).
/// </summary>
public sealed class JudgeAgreement
{
    /// <summary>Counts[gold, predicted].</summary>
    public int[,] Counts { get; }
    public int Total { get; }
    public int Correct { get; }

    /// <summary>Fraction of items whose dominant judged stance equals the gold stance (NaN for no items).</summary>
    public double Accuracy => Total == 0 ? double.NaN : (double)Correct / Total;

    public JudgeAgreement(int[,] counts)
    {
        if (counts.GetLength(0) != 3 || counts.GetLength(1) != 3) throw new ArgumentException("confusion matrix must be 3×3");
        Counts = (int[,])counts.Clone();
        for (var g = 0; g < 3; g++)
            for (var p = 0; p < 3; p++)
            {
                Total += Counts[g, p];
                if (g == p) Correct += Counts[g, p];
            }
    }

    /// <summary>Count of items with gold stance <paramref name="gold"/> judged as <paramref name="predicted"/>.</summary>
    public int this[Stance gold, Stance predicted] => Counts[(int)gold, (int)predicted];

    /// <summary>Scores a judge on labelled answers (judged in one <see cref="IStanceJudge.JudgeMany"/> call).</summary>
    public static JudgeAgreement Score(IStanceJudge judge, IReadOnlyList<LabelledAnswer> items)
    {
        var judged = judge.JudgeMany(items.Select(i => i.ToJudgeItem()).ToList());
        if (judged.Count != items.Count) throw new InvalidOperationException($"judge returned {judged.Count} readings for {items.Count} items");
        var counts = new int[3, 3];
        for (var i = 0; i < items.Count; i++) counts[(int)items[i].Gold, (int)judged[i].Dominant]++;
        return new JudgeAgreement(counts);
    }

    /// <summary>A text table: accuracy line, then gold rows × predicted columns.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.AppendLine(FormattableString.Invariant($"accuracy {Accuracy:0.000} ({Correct}/{Total})"));
        sb.AppendLine($"{"gold \\ judged",-14}{"support",9}{"neutral",9}{"oppose",9}");
        foreach (var g in StanceLabels.All)
            sb.AppendLine($"{g.Label(),-14}{this[g, Stance.Support],9}{this[g, Stance.Neutral],9}{this[g, Stance.Oppose],9}");
        return sb.ToString();
    }
}
