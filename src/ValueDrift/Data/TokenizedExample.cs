namespace ValueDrift.Data;

/// <summary>An SFT example as token ids: the template prompt, then the answer with its end-of-turn marker.</summary>
public sealed record TokenizedExample(int[] PromptIds, int[] CompletionIds)
{
    public int Length => PromptIds.Length + CompletionIds.Length;
}

/// <summary>A preference pair as token ids: one prompt shared by both answers.</summary>
public sealed record TokenizedPreference(int[] PromptIds, int[] ChosenIds, int[] RejectedIds);
