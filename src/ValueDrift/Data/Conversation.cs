using ValueDrift.Text;

namespace ValueDrift.Data;

/// <summary>
/// One SFT example: a chat whose last message is an assistant answer (the completion). Earlier assistant answers are
/// trained too unless the encoder is told to train the last turn only (<see cref="ExampleEncoder.LastTurnOnly"/>);
/// system and user messages never carry loss.
/// </summary>
public sealed record Conversation(IReadOnlyList<ChatMessage> Messages, DataOrigin? Origin = null)
{
    /// <summary>All messages but the last.</summary>
    public IReadOnlyList<ChatMessage> PromptMessages => Messages.Take(Messages.Count - 1).ToArray();

    /// <summary>The last message's text: the assistant answer.</summary>
    public string Completion => Messages.Count == 0
        ? throw new InvalidOperationException("an empty conversation has no completion")
        : Messages[^1].Content;

    /// <summary>A single-turn conversation: one user message and the answer.</summary>
    public static Conversation SingleTurn(string user, string assistant, DataOrigin? origin = null) =>
        new([ChatMessage.User(user), ChatMessage.Assistant(assistant)], origin);
}
