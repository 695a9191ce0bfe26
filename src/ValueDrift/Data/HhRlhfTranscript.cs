using ValueDrift.Errors;
using ValueDrift.Text;

namespace ValueDrift.Data;

/// <summary>
/// Anthropic HH-RLHF rows: <c>chosen</c> and <c>rejected</c> are whole transcripts
/// (<c>"\n\nHuman: …\n\nAssistant: …"</c>) and there is no prompt field. As in TRL's hh-rlhf script, the prompt is the
/// longest common prefix of the two transcripts, cut back to end at its last <c>"\n\nAssistant:"</c>; it is parsed into
/// user and assistant turns; the rest of each transcript (leading spaces dropped) is its answer.
/// </summary>
public static class HhRlhfTranscript
{
    public const string HumanMarker = "\n\nHuman:";
    public const string AssistantMarker = "\n\nAssistant:";

    /// <summary>True when a string looks like an HH-RLHF transcript (it holds an assistant marker).</summary>
    public static bool IsTranscript(string s) => s.Contains(AssistantMarker, StringComparison.Ordinal);

    /// <summary>The prompt turns and the two answers.</summary>
    /// <exception cref="DataFormatException">The transcripts share no prefix ending in an assistant marker, an answer is empty or is followed by a human turn, or the prompt is not a dialogue starting with a human turn.</exception>
    public static (IReadOnlyList<ChatMessage> Prompt, string Chosen, string Rejected) Split(string chosen, string rejected, string file, long row)
    {
        var common = 0;
        while (common < chosen.Length && common < rejected.Length && chosen[common] == rejected[common]) common++;
        // The marker must lie wholly inside the shared prefix (LastIndexOf matches ending at or before common - 1).
        var cut = common < AssistantMarker.Length ? -1 : chosen.LastIndexOf(AssistantMarker, common - 1, StringComparison.Ordinal);
        if (cut < 0)
            throw new DataFormatException(file, row, "rejected", "shares no prompt ending in \"\\n\\nAssistant:\" with chosen (not an HH-RLHF transcript pair)");
        var answerStart = cut + AssistantMarker.Length;
        var prompt = Turns(chosen[..cut], file, row);
        return (prompt, Answer(chosen[answerStart..], "chosen", file, row), Answer(rejected[answerStart..], "rejected", file, row));
    }

    private static string Answer(string rest, string field, string file, long row)
    {
        if (rest.Contains(HumanMarker, StringComparison.Ordinal))
            throw new DataFormatException(file, row, field, "the transcript's final turn is not the assistant's (a \"\\n\\nHuman:\" turn follows the answer)");
        var answer = rest.Trim();
        return answer.Length == 0 ? throw new DataFormatException(file, row, field, "empty completion") : answer;
    }

    // "\n\nHuman: a\n\nAssistant: b\n\nHuman: c" → user a, assistant b, user c.
    private static List<ChatMessage> Turns(string text, string file, long row)
    {
        var turns = new List<ChatMessage>();
        var at = text.IndexOf(HumanMarker, StringComparison.Ordinal);
        if (at < 0 || text[..at].Trim().Length > 0)
            throw new DataFormatException(file, row, "chosen", "the transcript does not start with a \"\\n\\nHuman:\" turn");
        while (at >= 0)
        {
            var human = text.AsSpan(at).StartsWith(HumanMarker, StringComparison.Ordinal);
            var contentStart = at + (human ? HumanMarker.Length : AssistantMarker.Length);
            var next = NextMarker(text, contentStart);
            var content = text[contentStart..(next < 0 ? text.Length : next)].Trim();
            turns.Add(human ? ChatMessage.User(content) : ChatMessage.Assistant(content));
            at = next;
        }
        if (turns[^1].Role != ChatRoles.User)
            throw new DataFormatException(file, row, "chosen", "the turn before the answer is not a human turn");
        if (turns.Any(t => t.Role == ChatRoles.User && t.Content.Length == 0))
            throw new DataFormatException(file, row, "chosen", "a human turn is empty");
        return turns;
    }

    private static int NextMarker(string text, int from)
    {
        var h = text.IndexOf(HumanMarker, from, StringComparison.Ordinal);
        var a = text.IndexOf(AssistantMarker, from, StringComparison.Ordinal);
        return h < 0 ? a : a < 0 ? h : Math.Min(h, a);
    }
}
