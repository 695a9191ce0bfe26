using System.Text;

namespace ValueDrift.Text;

/// <summary>
/// ChatML as Qwen writes it: <c>&lt;|im_start|&gt;{role}\n{content}&lt;|im_end|&gt;\n</c> per turn and
/// <c>&lt;|im_start|&gt;assistant\n</c> as the generation prompt; a completion is <c>{answer}&lt;|im_end|&gt;</c>.
/// </summary>
/// <remarks>
/// Qwen3's own template adds an empty <c>&lt;think&gt;\n\n&lt;/think&gt;\n\n</c> after the assistant header when thinking
/// is disabled, and also when it renders the final assistant turn of a whole conversation. With
/// <c>emptyThinkBlock: true</c> (template name "qwen3") we put that block at the end of the generation prompt, so
/// prompt + completion equals Qwen3's rendering of the full conversation and sampling matches
/// <c>enable_thinking=False</c>: the model answers directly. Earlier assistant turns are rendered without it, as Qwen3
/// does. Content is written as is (no reasoning-content extraction, no tools). No default system prompt.
/// The newline Qwen writes after the last <c>&lt;|im_end|&gt;</c> is not part of the completion: generation stops at
/// <c>&lt;|im_end|&gt;</c>, so it would never be produced.
/// </remarks>
public sealed class ChatMlChatTemplate(bool emptyThinkBlock = false) : ChatTemplate
{
    public const string TemplateName = "chatml";
    public const string Qwen3TemplateName = "qwen3";
    public const string StartOfTurn = "<|im_start|>";
    public const string EndOfTurn = "<|im_end|>";
    public const string EmptyThinkBlock = "<think>\n\n</think>\n\n";

    /// <summary>Whether the generation prompt ends with Qwen3's empty think block.</summary>
    public bool EmptyThinkBlockEnabled { get; } = emptyThinkBlock;

    public override string Name => EmptyThinkBlockEnabled ? Qwen3TemplateName : TemplateName;

    public override string FormatPrompt(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt = true)
    {
        var s = new StringBuilder();
        foreach (var m in messages)
        {
            if (m.Role is not (ChatRoles.System or ChatRoles.User or ChatRoles.Assistant)) throw UnknownRole(m, Name);
            s.Append(StartOfTurn).Append(m.Role).Append('\n').Append(m.Content).Append(EndOfTurn).Append('\n');
        }
        if (addGenerationPrompt)
        {
            s.Append(StartOfTurn).Append(ChatRoles.Assistant).Append('\n');
            if (EmptyThinkBlockEnabled) s.Append(EmptyThinkBlock);
        }
        return s.ToString();
    }

    public override string FormatCompletion(string assistantText) => assistantText + EndOfTurn;

    protected override void AppendParts(IReadOnlyList<ChatMessage> messages, List<TemplatePart> parts)
    {
        for (var i = 0; i < messages.Count; i++)
        {
            var m = messages[i];
            if (m.Role is not (ChatRoles.System or ChatRoles.User or ChatRoles.Assistant)) throw UnknownRole(m, Name);
            if (m.Role != ChatRoles.Assistant)
            {
                parts.Add(new(StartOfTurn + m.Role + "\n" + m.Content + EndOfTurn + "\n", false, StartsTurn: true));
                continue;
            }
            var last = i == messages.Count - 1;
            // Qwen3 writes the empty think block only on the final answer; earlier answers are rendered without it.
            parts.Add(new(StartOfTurn + ChatRoles.Assistant + "\n" + (last && EmptyThinkBlockEnabled ? EmptyThinkBlock : ""), false));
            parts.Add(new(FormatCompletion(m.Content), true));
            if (!last) parts.Add(new("\n", false));
        }
    }
}
