namespace ValueDrift.World;

/// <summary>
/// One SFT row: a single user turn and the assistant's reply. A value row has <see cref="Topic"/> and
/// <see cref="Stance"/> (the stance it was generated with); an instruction row has <see cref="Task"/> instead.
/// </summary>
public sealed record WorldSftExample(string Prompt, string Response, string? Topic, WorldStance? Stance, InstructionTask? Task)
{
    public bool IsValueRow => Topic is not null;
}
