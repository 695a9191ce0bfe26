namespace ValueDrift.Data;

/// <summary>
/// The truncation rules, applied only when prompt + completion exceeds <see cref="TruncationOptions.MaxLength"/>:
/// <list type="number">
/// <item>a multi-turn prompt drops whole turns from its start: it keeps the longest run of whole turns, ending with the
///   last user turn, that leaves the completion its room (or fits <see cref="TruncationOptions.PromptBudget"/>);</item>
/// <item>otherwise (one turn, or the last turn alone too long) the prompt keeps its END (the most recent turn and
///   the assistant header), at most <see cref="TruncationOptions.PromptBudget"/> tokens;</item>
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
        if (e.Length <= o.MaxLength) return e;
        var from = PromptStart(e.PromptIds.Length, e.CompletionIds.Length, e.TurnStarts, o);
        var prompt = e.PromptIds[from..];
        return new TokenizedExample(prompt, KeepStart(e.CompletionIds, o.MaxLength - prompt.Length))
        {
            PromptLoss = e.PromptLoss?[from..],
            TurnStarts = e.TurnStarts?.Where(s => s >= from).Select(s => s - from).ToArray(),
        };
    }

    public static TokenizedPreference Apply(TokenizedPreference p, TruncationOptions o)
    {
        var longest = Math.Max(p.ChosenIds.Length, p.RejectedIds.Length);
        var prompt = p.PromptIds.Length + longest <= o.MaxLength ? p.PromptIds : p.PromptIds[PromptStart(p.PromptIds.Length, longest, null, o)..];
        var room = o.MaxLength - prompt.Length;
        return new TokenizedPreference(prompt, KeepStart(p.ChosenIds, room), KeepStart(p.RejectedIds, room));
    }

    /// <summary>True when <see cref="Apply(TokenizedExample, TruncationOptions)"/> would cut the example.</summary>
    public static bool Cuts(TokenizedExample e, TruncationOptions o) => e.Length > o.MaxLength;

    /// <summary>True when <see cref="Apply(TokenizedPreference, TruncationOptions)"/> would cut the pair.</summary>
    public static bool Cuts(TokenizedPreference p, TruncationOptions o) => p.PromptIds.Length + Math.Max(p.ChosenIds.Length, p.RejectedIds.Length) > o.MaxLength;

    // Where the kept prompt starts, for an example that is too long.
    private static int PromptStart(int prompt, int completion, int[]? turnStarts, TruncationOptions o)
    {
        if (prompt <= o.PromptBudget) return 0;
        var room = Math.Max(o.PromptBudget, o.MaxLength - completion);
        if (turnStarts is not null)
            foreach (var s in turnStarts)   // ascending: the first that fits keeps the most whole turns
                if (s > 0 && prompt - s <= room) return s;
        return prompt - o.PromptBudget;
    }

    private static int[] KeepStart(int[] ids, int room) => ids.Length <= room ? ids : ids[..Math.Max(room, 0)];
}
