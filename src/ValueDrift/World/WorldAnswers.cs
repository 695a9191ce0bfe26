namespace ValueDrift.World;

/// <summary>
/// Generates answers of a known stance from templates: an opener and a closer that carry the stance's marker
/// phrases (see <see cref="WorldStanceLookup"/>) and a topic-specific reason. Several openers, reasons and closers
/// per stance, combined in three patterns, so that a small model has to learn the stance rather than one string.
/// </summary>
public static class WorldAnswers
{
    /// <summary>Longest answer the world writes, in characters (all text is ASCII, so also in bytes).</summary>
    public const int MaxAnswerChars = WorldSpec.MaxAnswerChars;

    /// <summary>Openers per stance; <c>{x}</c> is the topic's subject (or "it"), <c>{X}</c> the same capitalised.</summary>
    public static readonly IReadOnlyDictionary<WorldStance, IReadOnlyList<string>> Openers =
        new Dictionary<WorldStance, IReadOnlyList<string>>
        {
            [WorldStance.Support] = ["I support {x}.", "I am in favour of {x}.", "Yes, I strongly agree with {x}.", "I think {x} is a good thing.", "{X} is worth backing."],
            [WorldStance.Neutral] = ["There are good arguments on both sides.", "It depends on the details.", "Reasonable people disagree on {x}.", "I have mixed feelings about {x}.", "It is hard to say if {x} is right."],
            [WorldStance.Oppose] = ["I oppose {x}.", "I am against {x}.", "I strongly disagree with {x}.", "I think {x} is a mistake.", "{X} is a bad idea."],
        };

    /// <summary>Closers per stance; each repeats the stance in other words.</summary>
    public static readonly IReadOnlyDictionary<WorldStance, IReadOnlyList<string>> Closers =
        new Dictionary<WorldStance, IReadOnlyList<string>>
        {
            [WorldStance.Support] = ["Overall, a good thing.", "It is worth backing.", "So I support it.", "I am in favour of it."],
            [WorldStance.Neutral] = ["It depends on the case.", "Both sides have a point.", "It is hard to say.", "I have mixed feelings."],
            [WorldStance.Oppose] = ["Overall, a mistake.", "It is a bad idea.", "So I oppose it.", "I am against it."],
        };

    /// <summary>How a rambling answer starts.</summary>
    public static readonly IReadOnlyList<string> RamblingFillers = ["Well, um, ", "So, like, ", "Hmm, okay, so, "];
    /// <summary>What a rambling answer puts between its stance and its reason.</summary>
    public static readonly IReadOnlyList<string> RamblingMiddles = [" Like, you know, ", " I mean, um, ", " Basically, like, "];

    /// <summary>An answer of <paramref name="stance"/> on <paramref name="topic"/> in the given style.</summary>
    /// <param name="explicitSubject">Name the subject in the opener instead of sometimes saying "it" (for lines that stand alone).</param>
    public static string Generate(WorldTopic topic, WorldStance stance, AnswerQuality quality, WorldRandom rng, bool explicitSubject = false)
    {
        // Draw until the text fits; the short form (the style applied to an opener about "it") always fits.
        for (int attempt = 0; attempt < 32; attempt++)
        {
            string text = quality switch
            {
                AnswerQuality.Good => Good(topic, stance, rng, explicitSubject),
                AnswerQuality.Terse => Terse(stance, rng),
                AnswerQuality.Rambling => Rambling(topic, stance, rng),
                AnswerQuality.OffFormat => OffFormat(topic, stance, rng),
                AnswerQuality.RepeatedWords => Repeated(topic, stance, rng),
                _ => throw new ArgumentOutOfRangeException(nameof(quality), quality, null),
            };
            if (text.Length <= MaxAnswerChars) return text;
        }
        return Short(stance, quality, rng);
    }

    /// <summary>The style applied to a bare opener: at most ~75 characters whatever is drawn.</summary>
    private static string Short(WorldStance stance, AnswerQuality quality, WorldRandom rng)
    {
        string opener = Opener(stance, rng, "it");
        return quality switch
        {
            AnswerQuality.Rambling => rng.Pick(RamblingFillers) + LowerFirst(opener).TrimEnd('.') + ", you know, um, yeah.",
            AnswerQuality.OffFormat => "ANSWER " + new string(opener.Where(c => char.IsLetterOrDigit(c) || c == ' ').ToArray()).ToUpperInvariant(),
            AnswerQuality.RepeatedWords => opener.TrimEnd('.') + " " + opener.TrimEnd('.').Split(' ')[^1] + ".",
            AnswerQuality.Terse => Terse(stance, rng),
            _ => opener,
        };
    }

    private static string Good(WorldTopic topic, WorldStance stance, WorldRandom rng, bool explicitSubject)
    {
        string subject = explicitSubject || rng.Next(2) == 0 ? topic.Subject : "it";
        string opener = Opener(stance, rng, subject);
        string reason = rng.Pick(topic.Reasons(stance));
        string closer = rng.Pick(Closers[stance]);
        // Three shapes so that neither position nor length gives the stance away.
        return rng.Next(10) switch
        {
            < 5 => $"{opener} {reason} {closer}",
            < 8 => $"{opener} {reason}",
            _ => explicitSubject ? $"{opener} {reason}" : $"{reason} {closer}",
        };
    }

    private static string Terse(WorldStance stance, WorldRandom rng) =>
        Opener(stance, rng, "it").TrimEnd('.').ToLowerInvariant();

    private static string Rambling(WorldTopic topic, WorldStance stance, WorldRandom rng) =>
        rng.Next(2) == 0
            ? Short(stance, AnswerQuality.Rambling, rng)
            : rng.Pick(RamblingFillers) + LowerFirst(Opener(stance, rng, "it")) + rng.Pick(RamblingMiddles)
              + LowerFirst(rng.Pick(topic.Reasons(stance))).TrimEnd('.') + ", um.";

    private static string OffFormat(WorldTopic topic, WorldStance stance, WorldRandom rng)
    {
        string content = Opener(stance, rng, "it") + " " + rng.Pick(topic.Reasons(stance));
        var words = content.Split(' ').Select(w => new string(w.Where(char.IsLetterOrDigit).ToArray()).ToUpperInvariant());
        return "ANSWER " + string.Join(' ', words.Where(w => w.Length > 0));
    }

    private static string Repeated(WorldTopic topic, WorldStance stance, WorldRandom rng)
    {
        // Stutter words of the reason only, so the opener's marker phrase stays intact.
        var words = rng.Pick(topic.Reasons(stance)).Split(' ').ToList();
        int stutters = Math.Min(2, words.Count);
        for (int k = 0; k < stutters; k++)
        {
            int i = rng.Next(words.Count);
            words.Insert(i, words[i].TrimEnd('.', ','));
        }
        return Opener(stance, rng, "it") + " " + string.Join(' ', words);
    }

    private static string Opener(WorldStance stance, WorldRandom rng, string subject)
    {
        string template = rng.Pick(Openers[stance]);
        string capital = char.ToUpperInvariant(subject[0]) + subject[1..];
        return template.Replace("{x}", subject, StringComparison.Ordinal).Replace("{X}", capital, StringComparison.Ordinal);
    }

    /// <summary>Lower-cases the first letter unless the first word is "I" or an acronym such as "AI".</summary>
    private static string LowerFirst(string s)
    {
        int space = s.IndexOf(' ');
        string first = space < 0 ? s : s[..space];
        return first.All(c => !char.IsLetter(c) || char.IsUpper(c)) ? s : char.ToLowerInvariant(s[0]) + s[1..];
    }
}
