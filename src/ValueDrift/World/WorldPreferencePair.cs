namespace ValueDrift.World;

/// <summary>
/// One preference pair over the same prompt. For a value pair the stances are those the answers were generated
/// with; for an instruction pair <see cref="Topic"/> is <see cref="InstructionTopic"/>, the stances are null and
/// <see cref="Task"/> is set (chosen = correct answer, rejected = a wrong one).
/// </summary>
public sealed record WorldPreferencePair(
    string Prompt,
    string Chosen,
    string Rejected,
    string Topic,
    WorldStance? ChosenStance,
    WorldStance? RejectedStance,
    AnswerQuality ChosenQuality,
    AnswerQuality RejectedQuality,
    InstructionTask? Task)
{
    /// <summary>Topic field written for instruction pairs.</summary>
    public const string InstructionTopic = "instruction";

    public bool IsValueRow => Task is null;
}
