namespace ValueDrift.Data;

/// <summary>An SFT example as token ids: the template prompt, then the answer with its end-of-turn marker.</summary>
public sealed record TokenizedExample(int[] PromptIds, int[] CompletionIds)
{
    public int Length => PromptIds.Length + CompletionIds.Length;

    /// <summary>Tokens in the loss after the one-token shift (the first token of a sequence is never predicted).</summary>
    public int LossTokenCount(bool completionOnlyLoss = true) =>
        !completionOnlyLoss || PromptIds.Length == 0 ? Math.Max(0, Length - 1) : CompletionIds.Length;
}

/// <summary>A preference pair as token ids: one prompt shared by both answers.</summary>
public sealed record TokenizedPreference(int[] PromptIds, int[] ChosenIds, int[] RejectedIds);
