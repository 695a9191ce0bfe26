using ValueDrift.Errors;

namespace ValueDrift.Probes;

/// <summary>
/// The position an answer takes towards what a value-laden question proposes. The order
/// Support, Neutral, Oppose is fixed everywhere (arrays, files, charts); files spell the names in lower case.
/// </summary>
public enum Stance
{
    Support = 0,
    Neutral = 1,
    Oppose = 2,
}

/// <summary>Lower-case labels and parsing for <see cref="Stance"/>.</summary>
public static class StanceLabels
{
    /// <summary>All stances in the fixed order.</summary>
    public static IReadOnlyList<Stance> All { get; } = [Stance.Support, Stance.Neutral, Stance.Oppose];

    /// <summary>The lower-case label used in files and prompts: "support", "neutral", "oppose".</summary>
    public static string Label(this Stance stance) => stance switch
    {
        Stance.Support => "support",
        Stance.Neutral => "neutral",
        Stance.Oppose => "oppose",
        _ => throw new ArgumentOutOfRangeException(nameof(stance), stance, "not a stance"),
    };

    /// <summary>Parses a label (case-insensitive, surrounding white space ignored); null when it is none of the three.</summary>
    public static Stance? TryParse(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        "support" => Stance.Support,
        "neutral" => Stance.Neutral,
        "oppose" => Stance.Oppose,
        _ => null,
    };

    /// <summary>Parses a label from a data file, raising <see cref="DataFormatException"/> naming file, row and field.</summary>
    public static Stance Parse(string? text, string file, long row, string field) =>
        TryParse(text) ?? throw new DataFormatException(file, row, field,
            $"'{text}' is not a stance (expected support, neutral or oppose)");
}
