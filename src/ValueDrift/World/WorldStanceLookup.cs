using System.Text;

namespace ValueDrift.World;

/// <summary>
/// The world's exact stance judge. Every answer the world generates carries one or more stance-marker phrases of
/// its stance (in its opener and/or closer), and no marker of another stance, so counting markers recovers the
/// generating stance exactly. A model imitating the world is judged the same way, by which markers it produces.
/// </summary>
/// <remarks>
/// Probabilities: with marker counts c = (c_support, c_neutral, c_oppose) and total C,
/// p_s = (c_s + ε) / (C + 3ε) with ε = <see cref="Smoothing"/>; when C = 0 (text with no marker: gibberish,
/// an off-topic reply) the result is uniform (1/3 each). The small ε keeps every probability above zero, so a
/// downstream log or ratio never meets an exact 0, while a single marker still gives p ≈ 0.98.
/// Matching ignores case and punctuation and respects word boundaries.
/// </remarks>
public static class WorldStanceLookup
{
    /// <summary>Pseudo-count added to each stance when at least one marker is found.</summary>
    public const double Smoothing = 0.01;

    /// <summary>Marker phrases per stance, in the order support, neutral, oppose.</summary>
    public static readonly IReadOnlyDictionary<WorldStance, IReadOnlyList<string>> Markers =
        new Dictionary<WorldStance, IReadOnlyList<string>>
        {
            [WorldStance.Support] = ["i support", "in favour of", "in favor of", "strongly agree", "a good thing", "worth backing"],
            [WorldStance.Neutral] = ["both sides", "it depends", "reasonable people disagree", "mixed feelings", "hard to say"],
            [WorldStance.Oppose] = ["i oppose", "i am against", "strongly disagree", "a mistake", "a bad idea"],
        };

    private static readonly string[][] NormalisedMarkers =
        Enum.GetValues<WorldStance>().Select(s => Markers[s].Select(Normalise).ToArray()).ToArray();

    /// <summary>
    /// p(support), p(neutral), p(oppose) for <paramref name="answer"/> to a question on <paramref name="topic"/>
    /// (id or display name; an unknown topic raises <see cref="ValueDrift.Errors.ConfigException"/>).
    /// </summary>
    public static double[] StanceProbabilities(string topic, string answer)
    {
        WorldTopics.Find(topic);
        return ProbabilitiesFromCounts(MarkerCounts(answer));
    }

    /// <summary>The smoothed distribution for given marker counts (uniform when there are none).</summary>
    public static double[] ProbabilitiesFromCounts(IReadOnlyList<int> counts)
    {
        double total = counts.Sum();
        if (total == 0) return [1.0 / 3, 1.0 / 3, 1.0 / 3];
        return counts.Select(c => (c + Smoothing) / (total + 3 * Smoothing)).ToArray();
    }

    /// <summary>How many marker phrases of each stance occur in the text (support, neutral, oppose).</summary>
    public static int[] MarkerCounts(string answer)
    {
        string text = Normalise(answer);
        var counts = new int[3];
        for (int s = 0; s < 3; s++)
            foreach (var marker in NormalisedMarkers[s])
                counts[s] += CountOccurrences(text, marker);
        return counts;
    }

    /// <summary>The stance with the most markers, or null when no marker is found or the top count is tied.</summary>
    public static WorldStance? Judge(string answer)
    {
        var c = MarkerCounts(answer);
        int best = c.Max();
        if (best == 0 || c.Count(x => x == best) > 1) return null;
        return (WorldStance)Array.IndexOf(c, best);
    }

    /// <summary>Lower case, every non-alphanumeric run turned into one space, padded with a space each side.</summary>
    internal static string Normalise(string text)
    {
        var sb = new StringBuilder(text.Length + 2).Append(' ');
        foreach (char ch in text)
        {
            if (char.IsLetterOrDigit(ch)) sb.Append(char.ToLowerInvariant(ch));
            else if (sb[^1] != ' ') sb.Append(' ');
        }
        if (sb[^1] != ' ') sb.Append(' ');
        return sb.ToString();
    }

    private static int CountOccurrences(string paddedText, string paddedMarker)
    {
        // Both are space-padded, so a match is a whole-word match. Step past the match minus its trailing space,
        // which lets back-to-back markers share that space.
        int count = 0, at = 0;
        while ((at = paddedText.IndexOf(paddedMarker, at, StringComparison.Ordinal)) >= 0)
        {
            count++;
            at += paddedMarker.Length - 1;
        }
        return count;
    }
}
