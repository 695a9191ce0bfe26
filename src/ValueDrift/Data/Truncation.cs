namespace ValueDrift.Data;

/// <summary>
/// The truncation rules, applied only when prompt + completion exceeds <see cref="TruncationOptions.MaxLength"/>:
/// <list type="number">
/// <item>the prompt keeps its END (the most recent turn and the assistant header), at most
///   <see cref="TruncationOptions.PromptBudget"/> tokens;</item>
/// <item>if still too long, the completion keeps its START, <c>MaxLength - prompt</c> tokens (its end-of-turn marker is
///   then lost, so the model is not taught to stop there).</item>
/// </list>
/// For a preference pair the longer answer decides whether the prompt is cut, and each answer is then cut on its own,
/// so chosen and rejected always share the same prompt tokens. Because the budget is below MaxLength, a non-empty
/// completion never becomes empty.
/// </summary>
public static class Truncation
{
    public static TokenizedExample Apply(TokenizedExample e, TruncationOptions o)
    {
        var prompt = CutPrompt(e.PromptIds, e.CompletionIds.Length, o);
        return new TokenizedExample(prompt, KeepStart(e.CompletionIds, o.MaxLength - prompt.Length));
    }

    public static TokenizedPreference Apply(TokenizedPreference p, TruncationOptions o)
    {
        var prompt = CutPrompt(p.PromptIds, Math.Max(p.ChosenIds.Length, p.RejectedIds.Length), o);
        var room = o.MaxLength - prompt.Length;
        return new TokenizedPreference(prompt, KeepStart(p.ChosenIds, room), KeepStart(p.RejectedIds, room));
    }

    private static int[] CutPrompt(int[] prompt, int completionLength, TruncationOptions o) =>
        prompt.Length + completionLength <= o.MaxLength || prompt.Length <= o.PromptBudget
            ? prompt
            : prompt[^o.PromptBudget..];

    private static int[] KeepStart(int[] ids, int room) => ids.Length <= room ? ids : ids[..Math.Max(room, 0)];
}
