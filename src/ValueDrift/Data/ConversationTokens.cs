using ValueDrift.Text;

namespace ValueDrift.Data;

/// <summary>
/// Token ids of a whole rendered conversation, with the loss on its assistant answers. The ids are always
/// <c>Encode(whole text)</c>. Each part is mapped to its tokens by tokenising the parts one by one, which gives the
/// same ids whenever no token spans two parts (the templates cut next to special tokens and newlines, so this is the
/// usual case); otherwise each boundary is located by tokenising the text before it, and a token that spans the
/// start or end of an answer counts as part of the answer (as a character-offset mask would).
/// </summary>
internal static class ConversationTokens
{
    public static TokenizedExample Encode(ITokenizer tokenizer, IReadOnlyList<TemplatePart> parts, bool lastTurnOnly)
    {
        var lastAnswer = -1;
        for (var k = 0; k < parts.Count; k++) if (parts[k].IsAnswer) lastAnswer = k;
        if (lastAnswer < 0) throw new ArgumentException("a conversation needs an assistant answer", nameof(parts));

        var text = string.Concat(parts.Select(p => p.Text));
        var whole = tokenizer.Encode(text);
        var starts = PartStarts(tokenizer, parts, text, whole);   // token index where part k begins; starts[^1] = whole.Length

        var promptEnd = starts[lastAnswer];
        bool[]? promptLoss = null;
        if (!lastTurnOnly)
            for (var k = 0; k < lastAnswer; k++)
            {
                if (!parts[k].IsAnswer || starts[k + 1] <= starts[k]) continue;
                promptLoss ??= new bool[promptEnd];
                Array.Fill(promptLoss, true, starts[k], starts[k + 1] - starts[k]);
            }
        var turnStarts = Enumerable.Range(0, lastAnswer).Where(k => parts[k].StartsTurn).Select(k => starts[k]).Distinct().ToArray();
        return new TokenizedExample(whole[..promptEnd], whole[promptEnd..]) { PromptLoss = promptLoss, TurnStarts = turnStarts };
    }

    private static int[] PartStarts(ITokenizer tokenizer, IReadOnlyList<TemplatePart> parts, string text, int[] whole)
    {
        var starts = new int[parts.Count + 1];
        var pieces = parts.Select(p => tokenizer.Encode(p.Text)).ToList();
        if (pieces.SelectMany(x => x).SequenceEqual(whole))
        {
            for (var k = 0; k < parts.Count; k++) starts[k + 1] = starts[k] + pieces[k].Length;
            return starts;
        }
        var at = 0;
        for (var k = 1; k < parts.Count; k++)
        {
            at += parts[k - 1].Text.Length;
            // The end of an answer rounds up (a spanning token is the answer's), any other boundary rounds down.
            starts[k] = Math.Max(starts[k - 1], Boundary(tokenizer, text[..at], whole, roundUp: parts[k - 1].IsAnswer));
        }
        starts[^1] = whole.Length;
        return starts;
    }

    // The token index in `whole` where the text after `prefix` begins.
    private static int Boundary(ITokenizer tokenizer, string prefix, int[] whole, bool roundUp)
    {
        var head = tokenizer.Encode(prefix);
        var same = 0;
        while (same < head.Length && same < whole.Length && head[same] == whole[same]) same++;
        var clean = same == head.Length;
        return Math.Min(whole.Length, clean || !roundUp ? same : same + 1);
    }
}
