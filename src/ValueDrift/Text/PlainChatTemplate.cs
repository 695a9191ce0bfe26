using System.Text;

namespace ValueDrift.Text;

/// <summary>
/// A plain-text format for models trained from scratch (with <see cref="ByteTokenizer"/>): <c>System: ...\n</c>,
/// <c>User: ...\n</c>, earlier answers as <c>Assistant: ...{eos}\n</c>, and <c>Assistant: </c> as the generation prompt;
/// a completion is <c>{answer}{eos}</c>, so the model learns to stop with the tokenizer's EOS.
/// </summary>
/// <param name="eosToken">The tokenizer's EOS as text; it must encode to the EOS id (default: ByteTokenizer's).</param>
public sealed class PlainChatTemplate(string eosToken = ByteTokenizer.EosToken) : ChatTemplate
{
    public const string TemplateName = "plain";

    /// <summary>The end-of-turn text appended to every answer.</summary>
    public string EosToken { get; } = eosToken;

    public override string Name => TemplateName;

    public override string FormatPrompt(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt = true)
    {
        var s = new StringBuilder();
        foreach (var m in messages)
        {
            switch (m.Role)
            {
                case ChatRoles.System: s.Append("System: ").Append(m.Content).Append('\n'); break;
                case ChatRoles.User: s.Append("User: ").Append(m.Content).Append('\n'); break;
                case ChatRoles.Assistant: s.Append("Assistant: ").Append(FormatCompletion(m.Content)).Append('\n'); break;
                default: throw UnknownRole(m, Name);
            }
        }
        if (addGenerationPrompt) s.Append("Assistant: ");
        return s.ToString();
    }

    public override string FormatCompletion(string assistantText) => assistantText + EosToken;

    protected override void AppendParts(IReadOnlyList<ChatMessage> messages, List<TemplatePart> parts)
    {
        for (var i = 0; i < messages.Count; i++)
        {
            var m = messages[i];
            switch (m.Role)
            {
                case ChatRoles.System: parts.Add(new("System: " + m.Content + "\n", false, StartsTurn: true)); break;
                case ChatRoles.User: parts.Add(new("User: " + m.Content + "\n", false, StartsTurn: true)); break;
                case ChatRoles.Assistant:
                    parts.Add(new("Assistant: ", false));
                    parts.Add(new(FormatCompletion(m.Content), true));
                    if (i < messages.Count - 1) parts.Add(new("\n", false));
                    break;
                default: throw UnknownRole(m, Name);
            }
        }
    }
}
