using ValueDrift.Text;

namespace ValueDrift.Data;

/// <summary>
/// One preference example for DPO/SimPO: a prompt and two answers, the preferred (<see cref="Chosen"/>) and the
/// dispreferred (<see cref="Rejected"/>). Either text (prompt messages + answer strings, tokenised later with a chat
/// template) or token ids (<see cref="PromptIds"/>/<see cref="ChosenIds"/>/<see cref="RejectedIds"/>, for models without
/// a tokenizer; used as given, no template).
/// </summary>
public sealed record PreferencePair
{
    public IReadOnlyList<ChatMessage>? Prompt { get; init; }
    public string? Chosen { get; init; }
    public string? Rejected { get; init; }
    public int[]? PromptIds { get; init; }
    public int[]? ChosenIds { get; init; }
    public int[]? RejectedIds { get; init; }

    /// <summary>The value topic the pair is about (e.g. "immigration"), when the data says.</summary>
    public string? Topic { get; init; }

    /// <summary>Other scalar fields of the source row, as text.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();

    public DataOrigin? Origin { get; init; }

    /// <summary>True when the pair carries token ids rather than text.</summary>
    public bool IsTokenized => PromptIds is not null;

    public static PreferencePair FromText(IReadOnlyList<ChatMessage> prompt, string chosen, string rejected, string? topic = null) =>
        new() { Prompt = prompt, Chosen = chosen, Rejected = rejected, Topic = topic };

    public static PreferencePair FromIds(int[] promptIds, int[] chosenIds, int[] rejectedIds, string? topic = null) =>
        new() { PromptIds = promptIds, ChosenIds = chosenIds, RejectedIds = rejectedIds, Topic = topic };
}
