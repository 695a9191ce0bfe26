using System.Text;

namespace ValueDrift.Text;

/// <summary>
/// Meta's Llama-3 instruct format:
/// <c>&lt;|begin_of_text|&gt;&lt;|start_header_id|&gt;user&lt;|end_header_id|&gt;\n\n{content}&lt;|eot_id|&gt;</c> per turn,
/// then <c>&lt;|start_header_id|&gt;assistant&lt;|end_header_id|&gt;\n\n</c> as the generation prompt.
/// </summary>
/// <remarks>
/// Follows the Llama-3(.0) template: contents are trimmed, no default system prompt. Llama-3.1+ templates also add a
/// system block with "Cutting Knowledge Date"/"Today Date" lines; we leave it out so a prompt does not depend on the
/// day it was built. The BOS token is written as text and encodes to its id.
/// </remarks>
public sealed class Llama3ChatTemplate : ChatTemplate
{
    public const string TemplateName = "llama3";
    public const string BeginOfText = "<|begin_of_text|>";
    public const string EndOfTurn = "<|eot_id|>";

    public override string Name => TemplateName;

    public override string FormatPrompt(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt = true)
    {
        var s = new StringBuilder(BeginOfText);
        foreach (var m in messages)
        {
            if (m.Role is not (ChatRoles.System or ChatRoles.User or ChatRoles.Assistant)) throw UnknownRole(m, Name);
            s.Append(Header(m.Role)).Append(m.Content.Trim()).Append(EndOfTurn);
        }
        if (addGenerationPrompt) s.Append(Header(ChatRoles.Assistant));
        return s.ToString();
    }

    public override string FormatCompletion(string assistantText) => assistantText.Trim() + EndOfTurn;

    protected override void AppendParts(IReadOnlyList<ChatMessage> messages, List<TemplatePart> parts)
    {
        for (var i = 0; i < messages.Count; i++)
        {
            var m = messages[i];
            if (m.Role is not (ChatRoles.System or ChatRoles.User or ChatRoles.Assistant)) throw UnknownRole(m, Name);
            var bos = i == 0 ? BeginOfText : "";   // once, before the first turn
            if (m.Role != ChatRoles.Assistant)
            {
                parts.Add(new(bos + Header(m.Role) + m.Content.Trim() + EndOfTurn, false, StartsTurn: true));
                continue;
            }
            parts.Add(new(bos + Header(ChatRoles.Assistant), false));
            parts.Add(new(FormatCompletion(m.Content), true));
        }
    }

    private static string Header(string role) => $"<|start_header_id|>{role}<|end_header_id|>\n\n";
}
