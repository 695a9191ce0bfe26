namespace ValueDrift.Training;

/// <summary>A preference pair as token ids: prompt (chat template applied), chosen and rejected completions (end-of-turn included).</summary>
public sealed record TokenizedPreference(int[] Prompt, int[] Chosen, int[] Rejected, string? Topic = null);
