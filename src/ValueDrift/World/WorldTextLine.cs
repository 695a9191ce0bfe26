namespace ValueDrift.World;

/// <summary>
/// One line of the pretraining corpus. <see cref="Topic"/> and <see cref="Answer"/> are set for value lines (the
/// stance-bearing part, used to measure the corpus's stance profile) and null for instruction-task lines.
/// </summary>
public sealed record WorldTextLine(string Text, string? Topic, string? Answer);
