namespace ValueDrift.Data;

/// <summary>
/// An SFT example as token ids: the template prompt, then the last answer with its end-of-turn marker (the
/// completion). In a multi-turn conversation trained on every assistant turn, <see cref="PromptLoss"/> marks the
/// earlier answers' tokens inside the prompt, which the loss covers too; null means the loss covers the completion
/// only. <see cref="TurnStarts"/> are the prompt positions where a user or system turn begins (truncation cuts there).
/// </summary>
public sealed record TokenizedExample(int[] PromptIds, int[] CompletionIds)
{
    /// <summary>One flag per prompt token: true on tokens of earlier assistant answers that the loss covers; null: none.</summary>
    public bool[]? PromptLoss { get; init; }

    /// <summary>Ascending prompt positions where a user or system turn begins; null when unknown (token-id rows).</summary>
    public int[]? TurnStarts { get; init; }

    public int Length => PromptIds.Length + CompletionIds.Length;

    /// <summary>Tokens in the loss after the one-token shift (the first token of a sequence is never predicted).</summary>
    public int LossTokenCount(bool completionOnlyLoss = true) =>
        !completionOnlyLoss || PromptIds.Length == 0 ? Math.Max(0, Length - 1)
        : CompletionIds.Length + (PromptLoss?.Skip(1).Count(t => t) ?? 0);

    /// <summary>One flag per token of prompt + completion: whether a completion-only loss covers it (before the shift).</summary>
    public bool[] LossMask()
    {
        var mask = new bool[Length];
        PromptLoss?.CopyTo(mask, 0);
        Array.Fill(mask, true, PromptIds.Length, CompletionIds.Length);
        return mask;
    }
}

/// <summary>A preference pair as token ids: one prompt shared by both answers.</summary>
public sealed record TokenizedPreference(int[] PromptIds, int[] ChosenIds, int[] RejectedIds);
