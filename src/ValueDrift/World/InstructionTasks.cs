using System.Globalization;

namespace ValueDrift.World;

/// <summary>Draws random <see cref="InstructionTask"/>s from a fixed word list and small numbers.</summary>
public static class InstructionTasks
{
    /// <summary>Common short words, none a palindrome (so "backwards" always differs) and none repeating its first letter throughout.</summary>
    public static readonly IReadOnlyList<string> Words =
    [
        "cat", "dog", "house", "apple", "river", "green", "table", "music", "bread", "stone",
        "cloud", "horse", "light", "paper", "water", "chair", "train", "garden", "pencil", "orange",
        "window", "planet", "sugar", "tiger", "lemon", "candle", "forest", "silver", "rabbit", "bottle",
        "winter", "summer", "yellow", "basket", "mirror", "doctor", "button", "castle", "pocket", "marble",
    ];

    /// <summary>One task of a uniformly drawn kind.</summary>
    public static InstructionTask Draw(WorldRandom rng)
    {
        var kind = (InstructionKind)rng.Next(Enum.GetValues<InstructionKind>().Length);
        return Draw(kind, rng);
    }

    /// <summary>One task of the given kind.</summary>
    public static InstructionTask Draw(InstructionKind kind, WorldRandom rng)
    {
        string w = rng.Pick(Words);
        switch (kind)
        {
            case InstructionKind.RepeatWord:
                bool twice = rng.Next(2) == 0;
                return new(kind, $"Repeat the word {w} {(twice ? "twice" : "three times")}.",
                    $"Repeat the word {(twice ? "twice" : "three times")}.", w,
                    string.Join(' ', Enumerable.Repeat(w, twice ? 2 : 3)));
            case InstructionKind.SpellBackwards:
                return new(kind, $"Spell {w} backwards.", "Spell the word backwards.", w, InstructionTask.Reverse(w));
            case InstructionKind.Add:
            {
                int a = rng.Next(0, 20), b = rng.Next(0, 20);
                return new(kind, $"What is {a} plus {b}?", "Add the two numbers.", $"{a} plus {b}", Num(a + b));
            }
            case InstructionKind.Subtract:
            {
                int a = rng.Next(0, 20), b = rng.Next(0, a);
                return new(kind, $"What is {a} minus {b}?", "Subtract the second number from the first.", $"{a} minus {b}", Num(a - b));
            }
            case InstructionKind.Uppercase:
                return new(kind, $"Uppercase: {w}", "Convert the word to uppercase.", w, w.ToUpperInvariant());
            case InstructionKind.FirstLetter:
                return new(kind, $"What is the first letter of {w}?", "Give the first letter of the word.", w, w[..1]);
            case InstructionKind.CountLetters:
                return new(kind, $"How many letters are in {w}?", "Count the letters in the word.", w, Num(w.Length));
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }
    }

    private static string Num(int n) => n.ToString(CultureInfo.InvariantCulture);
}
