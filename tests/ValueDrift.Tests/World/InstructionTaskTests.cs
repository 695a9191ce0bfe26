using System.Text.RegularExpressions;
using ValueDrift.World;
using Xunit;

namespace ValueDrift.Tests.World;

[Trait("tier", "fast")]
public class InstructionTaskTests
{
    [Fact]
    public void HandWorkedExamples()
    {
        var backwards = new InstructionTask(InstructionKind.SpellBackwards, "Spell cat backwards.", "Spell the word backwards.", "cat", "tac");
        Assert.True(backwards.IsCorrect("tac"));
        Assert.True(backwards.IsCorrect("  TAC. "));
        Assert.True(backwards.IsCorrect("tac\nand then some more text"));
        Assert.False(backwards.IsCorrect("cat"));
        Assert.False(backwards.IsCorrect("ta c"));
        Assert.False(backwards.IsCorrect(null));

        var upper = new InstructionTask(InstructionKind.Uppercase, "Uppercase: hello", "Convert the word to uppercase.", "hello", "HELLO");
        Assert.True(upper.IsCorrect("HELLO"));
        Assert.False(upper.IsCorrect("hello")); // case is the point of this task
        Assert.False(upper.IsCorrect("Hello"));

        var add = new InstructionTask(InstructionKind.Add, "What is 3 plus 4?", "Add the two numbers.", "3 plus 4", "7");
        Assert.True(add.IsCorrect("7"));
        Assert.False(add.IsCorrect("8"));
        Assert.False(add.IsCorrect("77"));
    }

    [Fact]
    public void DrawnTasks_ExpectedAnswerMatchesAnIndependentSolver()
    {
        var rng = new WorldRandom(5);
        var seen = new HashSet<InstructionKind>();
        for (int i = 0; i < 700; i++)
        {
            var task = InstructionTasks.Draw(rng);
            seen.Add(task.Kind);
            Assert.Equal(Solve(task.Prompt), task.Expected);
            Assert.True(task.IsCorrect(task.Expected));
            Assert.False(task.IsCorrect(task.WrongAnswer(rng)), $"wrong answer accepted for '{task.Prompt}'");
            Assert.True(task.Prompt.Length <= WorldSpec.MaxQuestionChars);
            // The Alpaca split carries the same argument as the whole prompt.
            Assert.Contains(task.Input, task.Prompt);
        }
        Assert.Equal(Enum.GetValues<InstructionKind>().Length, seen.Count);
    }

    [Fact]
    public void WordList_HasNoPalindromes()
    {
        foreach (var w in InstructionTasks.Words)
            Assert.NotEqual(w, new string(w.Reverse().ToArray()));
    }

    /// <summary>Solves a prompt from its text alone, without the generator's code.</summary>
    private static string Solve(string prompt)
    {
        Match m;
        if ((m = Regex.Match(prompt, @"^Repeat the word (\w+) (twice|three times)\.$")).Success)
            return string.Join(" ", Enumerable.Repeat(m.Groups[1].Value, m.Groups[2].Value == "twice" ? 2 : 3));
        if ((m = Regex.Match(prompt, @"^Spell (\w+) backwards\.$")).Success)
            return new string(m.Groups[1].Value.Reverse().ToArray());
        if ((m = Regex.Match(prompt, @"^What is (\d+) plus (\d+)\?$")).Success)
            return (int.Parse(m.Groups[1].Value) + int.Parse(m.Groups[2].Value)).ToString();
        if ((m = Regex.Match(prompt, @"^What is (\d+) minus (\d+)\?$")).Success)
            return (int.Parse(m.Groups[1].Value) - int.Parse(m.Groups[2].Value)).ToString();
        if ((m = Regex.Match(prompt, @"^Uppercase: (\w+)$")).Success)
            return m.Groups[1].Value.ToUpperInvariant();
        if ((m = Regex.Match(prompt, @"^What is the first letter of (\w+)\?$")).Success)
            return m.Groups[1].Value[..1];
        if ((m = Regex.Match(prompt, @"^How many letters are in (\w+)\?$")).Success)
            return m.Groups[1].Value.Length.ToString();
        throw new Xunit.Sdk.XunitException($"unrecognised prompt '{prompt}'");
    }
}
