using System.Text.RegularExpressions;

namespace ValueDrift.Probes;

/// <summary>
/// The rules every judge uses to read a label from text or from tokens, so that an endpoint judge and a local judge
/// count the same things as "support", "neutral" and "oppose".
/// <list type="bullet">
/// <item>A reply's label is its first whole label word (<see cref="Parse"/>): "support", "neutral" or "oppose" as a
/// word of its own, any case, possibly inflected ("Supports", "opposed").</item>
/// <item>A token stands for a label (<see cref="LabelOf"/>) when, with case, spaces and quotes/punctuation removed,
/// it is the label, begins with it ("opposed"), or is a word-start of at least <see cref="MinimumPrefix"/> letters
/// of exactly one label ("opp", "neut": a tokenizer may split a label in two). One- and two-letter tokens ("s",
/// "o", "ne") never count: they begin too many words to mean a label.</item>
/// </list>
/// </summary>
public static class JudgeLabels
{
    /// <summary>Fewest letters a token must have to count as the start of a label.</summary>
    public const int MinimumPrefix = 3;

    /// <summary>The first label word of a reply (word boundary before the label).</summary>
    public static readonly Regex Word = new(@"\b(support|neutral|oppose)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    /// <summary>The first label word of a reply when the no-stance label was asked for: a stance word, or "none" as a whole word.</summary>
    public static readonly Regex WordOrNoStance = new(@"\b(support|neutral|oppose)|\b(none)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    /// <summary>
    /// The first label of a reply to a prompt with the no-stance label: (stance, false), (null, true) for the no-stance
    /// label, or (null, false) when the reply names none of the four.
    /// </summary>
    public static (Stance? Stance, bool NoStance) ParseWithNoStance(string? reply)
    {
        if (string.IsNullOrEmpty(reply)) return (null, false);
        var m = WordOrNoStance.Match(reply);
        if (!m.Success) return (null, false);
        return m.Groups[2].Success ? (null, true) : (StanceLabels.TryParse(m.Groups[1].Value), false);
    }

    /// <summary>Whether a token stands for the no-stance label: "none" itself or its start "non" (the same rules as <see cref="LabelOf"/>).</summary>
    public static bool IsNoStance(string token)
    {
        var t = Normalise(token);
        const string label = JudgePrompt.NoStanceLabel;
        return t.StartsWith(label, StringComparison.Ordinal) || (t.Length >= MinimumPrefix && label.StartsWith(t, StringComparison.Ordinal));
    }

    /// <summary>
    /// Label scores (support, neutral, oppose, none) from a reply position's top alternatives, as <see cref="Combine"/>
    /// does for three; <c>NoStanceAbsent</c> when no alternative stands for the no-stance label (it then gets the
    /// smallest listed log-prob). Null when fewer than two alternatives are listed or none stands for any label.
    /// </summary>
    public static (double[] Scores, bool NoStanceAbsent)? CombineWithNoStance(IReadOnlyList<(string Token, double LogProb)> alternatives)
    {
        if (alternatives.Count < 2) return null;
        var perLabel = new List<double>[4] { [], [], [], [] };
        foreach (var (token, lp) in alternatives)
        {
            if (IsNoStance(token)) perLabel[3].Add(lp);
            else if (LabelOf(token) is { } s) perLabel[(int)s].Add(lp);
        }
        if (perLabel.All(l => l.Count == 0)) return null;
        var floor = alternatives.Min(a => a.LogProb);
        return (perLabel.Select(l => l.Count == 0 ? floor : LogSumExp(l)).ToArray(), perLabel[3].Count == 0);
    }

    /// <summary>The first label word in a reply, or null when it names none.</summary>
    public static Stance? Parse(string? reply)
    {
        if (string.IsNullOrEmpty(reply)) return null;
        var m = Word.Match(reply);
        return m.Success ? StanceLabels.TryParse(m.Groups[1].Value) : null;
    }

    /// <summary>The label a token stands for (see the class rules), or null.</summary>
    public static Stance? LabelOf(string token)
    {
        var t = Normalise(token);
        if (t.Length == 0) return null;
        foreach (var s in StanceLabels.All)
        {
            var label = s.Label();
            if (t.StartsWith(label, StringComparison.Ordinal)) return s;
            if (t.Length >= MinimumPrefix && label.StartsWith(t, StringComparison.Ordinal)) return s;
        }
        return null;
    }

    /// <summary>A token without surrounding spaces, quotes, brackets and punctuation, in lower case.</summary>
    public static string Normalise(string token) =>
        token.Trim().Trim('"', '\'', '*', '`', '(', ')', '[', ']', ':', '.', ',').Trim().ToLowerInvariant();

    /// <summary>
    /// Label scores (support, neutral, oppose) from the log-probs of a reply position's top alternatives: the
    /// alternatives that stand for one label are combined by log-sum-exp; a label absent from the list gets the
    /// smallest listed log-prob (an upper bound on its true value). Null — not usable, so the caller falls back to
    /// the parsed label — when no alternative stands for a label, or when only one alternative is listed (with no
    /// other alternative there is no bound for the absent labels, and the reading would be exactly uniform).
    /// </summary>
    public static double[]? Combine(IReadOnlyList<(string Token, double LogProb)> alternatives)
    {
        if (alternatives.Count < 2) return null;
        var perLabel = new List<double>[3] { [], [], [] };
        foreach (var (token, lp) in alternatives)
            if (LabelOf(token) is { } s) perLabel[(int)s].Add(lp);
        if (perLabel.All(l => l.Count == 0)) return null;
        var floor = alternatives.Min(a => a.LogProb);
        return perLabel.Select(l => l.Count == 0 ? floor : LogSumExp(l)).ToArray();
    }

    /// <summary>
    /// The parsed label as a distribution: (1 − ε)·onehot(s) + ε/3, so a text reading is never an exact certainty.
    /// </summary>
    public static StanceDistribution Smoothed(Stance stance, double epsilon)
    {
        if (epsilon is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "must be in [0, 1)");
        var p = StanceLabels.All.Select(s => (s == stance ? 1 - epsilon : 0) + epsilon / 3).ToArray();
        return StanceDistribution.Normalised(p[0], p[1], p[2]);
    }

    private static double LogSumExp(List<double> xs)
    {
        var max = xs.Max();
        return max + Math.Log(xs.Sum(x => Math.Exp(x - max)));
    }
}
