using System.Text;

namespace ValueDrift.Probes;

/// <summary>
/// How well a judge agrees with gold labels (<see cref="Score"/>), or two judges with each other on the same answers
/// (<see cref="Between(IStanceJudge, IStanceJudge, IReadOnlyList{JudgeItem})"/>, e.g. an endpoint judge against a
/// local one): the fraction of items whose dominant stances agree, Cohen's κ (agreement beyond what the two marginal
/// distributions give by chance), and a 3×3 confusion matrix (rows gold or the first judge, columns the judged or
/// second judge, both in the order support, neutral, oppose).
/// </summary>
public sealed class JudgeAgreement
{
    /// <summary>Counts[gold, predicted].</summary>
    public int[,] Counts { get; }
    public int Total { get; }
    public int Correct { get; }

    /// <summary>Fraction of items whose dominant judged stance equals the gold stance (NaN for no items).</summary>
    public double Accuracy => Total == 0 ? double.NaN : (double)Correct / Total;

    /// <summary>What the rows and columns are, for the text table: "gold"/"judged", or the two judges' names.</summary>
    public string RowName { get; }
    public string ColumnName { get; }

    /// <summary>
    /// Cohen's κ = (p_o − p_e) / (1 − p_e), with p_o the observed agreement and p_e the agreement expected from the
    /// row and column totals; 1 = perfect, 0 = chance. NaN for no items, or when both sides put every item in one
    /// and the same stance (p_e = 1).
    /// </summary>
    public double Kappa
    {
        get
        {
            if (Total == 0) return double.NaN;
            double expected = 0;
            for (var k = 0; k < 3; k++)
            {
                double row = 0, col = 0;
                for (var j = 0; j < 3; j++) { row += Counts[k, j]; col += Counts[j, k]; }
                expected += row / Total * (col / Total);
            }
            return expected >= 1 ? double.NaN : (Accuracy - expected) / (1 - expected);
        }
    }

    public JudgeAgreement(int[,] counts, string rowName = "gold", string columnName = "judged")
    {
        RowName = rowName;
        ColumnName = columnName;
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

    /// <summary>Scores a judge on labelled answers (judged in one <see cref="StanceJudgeReadings.JudgeMany"/> call).</summary>
    public static JudgeAgreement Score(IStanceJudge judge, IReadOnlyList<LabelledAnswer> items)
    {
        var judged = judge.JudgeMany(items.Select(i => i.ToJudgeItem()).ToList());
        if (judged.Count != items.Count) throw new InvalidOperationException($"judge returned {judged.Count} readings for {items.Count} items");
        var counts = new int[3, 3];
        for (var i = 0; i < items.Count; i++) counts[(int)items[i].Gold, (int)judged[i].Dominant]++;
        return new JudgeAgreement(counts);
    }

    /// <summary>
    /// Agreement of two judges on the same items (each judged in one <see cref="StanceJudgeReadings.JudgeMany"/> call):
    /// rows are <paramref name="first"/>'s dominant stance, columns <paramref name="second"/>'s.
    /// </summary>
    public static JudgeAgreement Between(IStanceJudge first, IStanceJudge second, IReadOnlyList<JudgeItem> items,
        string firstName = "first", string secondName = "second") =>
        Between(first.JudgeMany(items), second.JudgeMany(items), items.Count, firstName, secondName);

    /// <summary>Agreement of two sets of readings of the same items, in the same order.</summary>
    public static JudgeAgreement Between(IReadOnlyList<StanceDistribution> first, IReadOnlyList<StanceDistribution> second,
        string firstName = "first", string secondName = "second") =>
        Between(first, second, first.Count, firstName, secondName);

    private static JudgeAgreement Between(IReadOnlyList<StanceDistribution> a, IReadOnlyList<StanceDistribution> b, int items, string firstName, string secondName)
    {
        if (a.Count != items || b.Count != items)
            throw new InvalidOperationException($"judges returned {a.Count} and {b.Count} readings for {items} items");
        var counts = new int[3, 3];
        for (var i = 0; i < items; i++) counts[(int)a[i].Dominant, (int)b[i].Dominant]++;
        return new JudgeAgreement(counts, firstName, secondName);
    }

    /// <summary>A text table: accuracy (agreement) and κ line, then rows × columns.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        var what = RowName == "gold" ? "accuracy" : "agreement";
        sb.AppendLine(FormattableString.Invariant($"{what} {Accuracy:0.000} ({Correct}/{Total}), kappa {Kappa:0.000}"));
        sb.AppendLine($"{$"{RowName} \\ {ColumnName}",-14}{"support",9}{"neutral",9}{"oppose",9}");
        foreach (var g in StanceLabels.All)
            sb.AppendLine($"{g.Label(),-14}{this[g, Stance.Support],9}{this[g, Stance.Neutral],9}{this[g, Stance.Oppose],9}");
        return sb.ToString();
    }
}
