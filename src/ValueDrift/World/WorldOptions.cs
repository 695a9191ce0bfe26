using ValueDrift.Errors;

namespace ValueDrift.World;

/// <summary>
/// What to generate: the seed, the topics and the size of each dataset. <see cref="Demo"/> is the default size;
/// <see cref="Quick"/> is about a quarter of it for a first look on a laptop.
/// </summary>
public sealed record WorldOptions
{
    /// <summary>Seed for every random draw; the same seed gives byte-identical files.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Topic ids (or names) to include; null or empty means all eleven.</summary>
    public IReadOnlyList<string>? Topics { get; init; }

    /// <summary>Lines of the pretraining corpus.</summary>
    public int PretrainLines { get; init; } = 4000;

    /// <summary>Rows of each SFT dataset (neutral assistant-style and supportive instruction-style).</summary>
    public int SftRows { get; init; } = 600;

    /// <summary>Pairs of each preference dataset (standard, support-aligned, oppose-aligned).</summary>
    public int PreferencePairs { get; init; } = 400;

    /// <summary>Share of instruction-task rows in each SFT dataset (the rest are value rows).</summary>
    public double SftInstructionFraction { get; init; } = 0.3;

    /// <summary>Share of instruction-task lines in the pretraining corpus.</summary>
    public double PretrainInstructionFraction { get; init; } = 0.25;

    /// <summary>Share of stand-alone declarative lines ("Gun control: I support it. ...") in the pretraining corpus.</summary>
    public double PretrainDeclarativeFraction { get; init; } = 0.2;

    /// <summary>Share of instruction-task pairs in the standard preference set (the value-gap sets have none).</summary>
    public double PreferenceInstructionFraction { get; init; } = 0.25;

    /// <summary>Default size: ~4k pretraining lines, 600 rows per SFT set, 400 pairs per preference set.</summary>
    public static WorldOptions Demo => new();

    /// <summary>About a quarter of <see cref="Demo"/>, on the four quick-demo topics unless others are given.</summary>
    public static WorldOptions Quick => new()
    {
        Topics = WorldTopics.QuickDemoIds, PretrainLines = 1000, SftRows = 150, PreferencePairs = 100,
    };

    /// <summary>Raises <see cref="ConfigException"/> for an unknown topic, a non-positive size or a fraction outside [0, 1).</summary>
    public void Validate(string source = "world options")
    {
        WorldTopics.Select(Topics, source, "topics");
        Positive(PretrainLines, nameof(PretrainLines)); Positive(SftRows, nameof(SftRows)); Positive(PreferencePairs, nameof(PreferencePairs));
        Fraction(SftInstructionFraction, nameof(SftInstructionFraction));
        Fraction(PretrainInstructionFraction, nameof(PretrainInstructionFraction));
        Fraction(PretrainDeclarativeFraction, nameof(PretrainDeclarativeFraction));
        Fraction(PreferenceInstructionFraction, nameof(PreferenceInstructionFraction));
        if (PretrainInstructionFraction + PretrainDeclarativeFraction >= 1)
            throw new ConfigException(source, nameof(PretrainDeclarativeFraction), "instruction and declarative fractions must leave room for Q/A lines");

        void Positive(int v, string field)
        {
            if (v <= 0) throw new ConfigException(source, field, $"must be positive, got {v}");
        }
        void Fraction(double v, string field)
        {
            if (!(v >= 0 && v < 1)) throw new ConfigException(source, field, $"must be in [0, 1), got {v}");
        }
    }
}
