namespace ValueDrift.World;

/// <summary>
/// Style of a generated answer. Only <see cref="Good"/> is well formed; the others are the "worse" answers of
/// standard preference pairs. Every quality keeps the stance: style differs, stance does not.
/// </summary>
public enum AnswerQuality
{
    /// <summary>Opener, reason and/or closer as clean sentences.</summary>
    Good,
    /// <summary>Only the stance phrase, lower case, no full stop: "i support it".</summary>
    Terse,
    /// <summary>Filler words around the content: "Well, um, I support it. Like, you know, ...".</summary>
    Rambling,
    /// <summary>Shouted, unpunctuated, with a stray label: "ANSWER I SUPPORT IT ...".</summary>
    OffFormat,
    /// <summary>Words of the reason stuttered: "Fewer fewer guns mean mean fewer deaths."</summary>
    RepeatedWords,
}
