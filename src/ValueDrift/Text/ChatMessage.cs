namespace ValueDrift.Text;

/// <summary>One turn of a conversation. <see cref="Role"/> is "system", "user" or "assistant" (see <see cref="ChatRoles"/>).</summary>
public sealed record ChatMessage(string Role, string Content)
{
    public static ChatMessage System(string content) => new(ChatRoles.System, content);
    public static ChatMessage User(string content) => new(ChatRoles.User, content);
    public static ChatMessage Assistant(string content) => new(ChatRoles.Assistant, content);
}

/// <summary>The role names every template and reader uses (the Hugging Face / OpenAI spelling).</summary>
public static class ChatRoles
{
    public const string System = "system";
    public const string User = "user";
    public const string Assistant = "assistant";

    /// <summary>Maps the spellings found in public data sets (ShareGPT "human"/"gpt", "bot", "model") onto ours; null if unknown.</summary>
    public static string? Normalize(string role) => role.Trim().ToLowerInvariant() switch
    {
        "system" => System,
        "user" or "human" => User,
        "assistant" or "gpt" or "bot" or "model" or "chatgpt" => Assistant,
        _ => null,
    };
}
