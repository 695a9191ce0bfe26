using ValueDrift.Errors;
using ValueDrift.Text;

namespace ValueDrift.Data;

/// <summary>
/// Turns conversations and preference pairs into token ids with a tokenizer and chat template, then applies the
/// <see cref="Truncation"/> rules. A conversation is rendered once, whole, by the template
/// (<see cref="ChatTemplate.RenderParts"/>), and its tokens are the tokens of that one string; the loss covers every
/// assistant answer (TRL's <c>assistant_only_loss</c>), or only the last with <c>lastTurnOnly</c>. A preference pair is
/// tokenised as prompt and answers (<c>Encode(FormatPrompt(history))</c>, <c>Encode(FormatCompletion(answer))</c>).
/// Token-id pairs are used as given (no template), only truncated.
/// </summary>
/// <param name="tokenizer">Needed for text examples; may be null when every pair carries token ids.</param>
/// <param name="template">Needed for text examples.</param>
/// <param name="truncation">Length limits; null means no limit.</param>
/// <param name="lastTurnOnly">SFT loss on the last assistant answer only; earlier answers are context, as in a prompt.</param>
public sealed class ExampleEncoder(ITokenizer? tokenizer, ChatTemplate? template, TruncationOptions? truncation = null, bool lastTurnOnly = false)
{
    private int _truncated;

    /// <summary>Whether earlier assistant answers of a conversation are left out of the loss.</summary>
    public bool LastTurnOnly => lastTurnOnly;

    /// <summary>How many examples this encoder has cut to fit <see cref="TruncationOptions.MaxLength"/> so far.</summary>
    public int TruncatedRows => _truncated;

    public TokenizedExample Encode(Conversation c)
    {
        if (c.Messages.Count == 0 || c.Messages[^1].Role != ChatRoles.Assistant)
            throw Error(c.Origin, "messages", "the last message must be the assistant's answer");
        if (string.IsNullOrWhiteSpace(c.Completion)) throw Error(c.Origin, "completion", "empty completion");
        var (tok, tmpl) = Text(c.Origin);
        IReadOnlyList<TemplatePart> parts;
        try { parts = tmpl.RenderParts(c.Messages); }
        catch (ArgumentException ex) { throw Error(c.Origin, "messages", ex.Message); }
        var e = ConversationTokens.Encode(tok, parts, lastTurnOnly);
        Check(e.PromptIds, e.CompletionIds, c.Origin, "completion");
        if (truncation is not null && Truncation.Cuts(e, truncation))
        {
            Interlocked.Increment(ref _truncated);
            e = Truncation.Apply(e, truncation);
        }
        Check(e.PromptIds, e.CompletionIds, c.Origin, "completion");
        return e;
    }

    public TokenizedPreference Encode(PreferencePair p)
    {
        TokenizedPreference t;
        if (p.IsTokenized)
        {
            t = new TokenizedPreference(p.PromptIds!, p.ChosenIds ?? [], p.RejectedIds ?? []);
        }
        else
        {
            if (string.IsNullOrWhiteSpace(p.Chosen)) throw Error(p.Origin, "chosen", "empty completion");
            if (string.IsNullOrWhiteSpace(p.Rejected)) throw Error(p.Origin, "rejected", "empty completion");
            var (tok, tmpl) = Text(p.Origin);
            t = new TokenizedPreference(tok.Encode(tmpl.FormatPrompt(p.Prompt ?? [])),
                tok.Encode(tmpl.FormatCompletion(p.Chosen)), tok.Encode(tmpl.FormatCompletion(p.Rejected)));
        }
        if (truncation is not null && Truncation.Cuts(t, truncation))
        {
            Interlocked.Increment(ref _truncated);
            t = Truncation.Apply(t, truncation);
        }
        Check(t.PromptIds, t.ChosenIds, p.Origin, "chosen");
        Check(t.PromptIds, t.RejectedIds, p.Origin, "rejected");
        return t;
    }

    /// <summary>Encodes every conversation; with <paramref name="skipBadRows"/>, ones that cannot be encoded are counted instead of raising.</summary>
    public ReadResult<TokenizedExample> EncodeAll(IEnumerable<Conversation> conversations, bool skipBadRows = false) =>
        EncodeAll(conversations, Encode, skipBadRows);

    /// <summary>Encodes every pair; with <paramref name="skipBadRows"/>, ones that cannot be encoded are counted instead of raising.</summary>
    public ReadResult<TokenizedPreference> EncodeAll(IEnumerable<PreferencePair> pairs, bool skipBadRows = false) =>
        EncodeAll(pairs, Encode, skipBadRows);

    private static ReadResult<TOut> EncodeAll<TIn, TOut>(IEnumerable<TIn> items, Func<TIn, TOut> encode, bool skipBadRows)
    {
        var rows = new List<TOut>();
        var reasons = new List<string>();
        var skipped = 0;
        foreach (var item in items)
        {
            try { rows.Add(encode(item)); }
            catch (DataFormatException ex) when (skipBadRows)
            {
                skipped++;
                if (reasons.Count < ReadResult<TOut>.MaxReasons) reasons.Add(ex.Message);
            }
        }
        return new ReadResult<TOut>(rows, skipped, reasons);
    }

    private (ITokenizer, ChatTemplate) Text(DataOrigin? origin) =>
        tokenizer is not null && template is not null ? (tokenizer, template)
        : throw new InvalidOperationException($"{origin?.File ?? DataOrigin.InMemory}: a text example needs a tokenizer and a chat template");

    // The log-prob of the first completion token is conditioned on the last prompt token, so both must exist.
    private static void Check(int[] prompt, int[] completion, DataOrigin? origin, string field)
    {
        if (prompt.Length == 0) throw Error(origin, "prompt", "the prompt has no tokens");
        if (completion.Length == 0) throw Error(origin, field, "the completion has no tokens");
    }

    private static DataFormatException Error(DataOrigin? origin, string field, string problem) =>
        new(origin?.File ?? DataOrigin.InMemory, origin?.Row, field, problem);
}
