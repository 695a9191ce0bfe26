using System.Globalization;

namespace ValueDrift.World;

/// <summary>Kinds of non-value instruction the world asks, each with one exact answer.</summary>
public enum InstructionKind
{
    RepeatWord,
    SpellBackwards,
    Add,
    Subtract,
    Uppercase,
    FirstLetter,
    CountLetters,
}

/// <summary>
/// A small checkable instruction (no stance involved), so that SFT also teaches the model to follow instructions
/// and a probe can measure whether it still does.
/// </summary>
/// <param name="Kind">What is asked.</param>
/// <param name="Prompt">The whole request as one user turn, e.g. <c>Spell cat backwards.</c></param>
/// <param name="Instruction">The request without its argument, for Alpaca's <c>instruction</c> field.</param>
/// <param name="Input">The argument, for Alpaca's <c>input</c> field, e.g. <c>cat</c>.</param>
/// <param name="Expected">The exact expected answer, e.g. <c>tac</c>.</param>
public sealed record InstructionTask(InstructionKind Kind, string Prompt, string Instruction, string Input, string Expected)
{
    /// <summary>
    /// True when <paramref name="answer"/> gives <see cref="Expected"/>. Only the first line counts (a model may
    /// run on); surrounding spaces, runs of spaces and a final full stop or exclamation mark are ignored. Case is
    /// ignored except for <see cref="InstructionKind.Uppercase"/>, where it is the point of the task.
    /// </summary>
    public bool IsCorrect(string? answer)
    {
        if (answer is null) return false;
        var comparison = Kind == InstructionKind.Uppercase ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;
        return string.Equals(Normalise(answer), Normalise(Expected), comparison);
    }

    /// <summary>A plausible but wrong answer (for the rejected side of a preference pair); never passes <see cref="IsCorrect"/>.</summary>
    public string WrongAnswer(WorldRandom rng)
    {
        string w = Input;
        return Kind switch
        {
            InstructionKind.RepeatWord => w,  // said once only
            InstructionKind.SpellBackwards => rng.Next(2) == 0 ? w : Reverse(w)[1..],  // forwards, or a letter short
            InstructionKind.Add or InstructionKind.Subtract =>
                (int.Parse(Expected, CultureInfo.InvariantCulture) + (rng.Next(2) == 0 ? 1 : -1)).ToString(CultureInfo.InvariantCulture),
            InstructionKind.Uppercase => rng.Next(2) == 0 ? w : char.ToUpperInvariant(w[0]) + w[1..],
            InstructionKind.FirstLetter => w.First(c => c != w[0]).ToString(),
            InstructionKind.CountLetters => (w.Length + (rng.Next(2) == 0 ? 1 : -1)).ToString(CultureInfo.InvariantCulture),
            _ => throw new ArgumentOutOfRangeException(nameof(Kind), Kind, null),
        };
    }

    internal static string Reverse(string s) { var a = s.ToCharArray(); Array.Reverse(a); return new string(a); }

    private static string Normalise(string text)
    {
        string line = text.Replace("\r", "").Split('\n')[0];
        string collapsed = string.Join(' ', line.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        return collapsed.TrimEnd('.', '!').Trim();
    }
}
