using System.Text;
using ValueDrift.Errors;
using ValueDrift.Text;

namespace ValueDrift.Data;

/// <summary>
/// A look at a data file before training on it: the schema its rows follow, how many rows read and how many are bad
/// (with the first reasons), and the first good row rendered through a chat template with the trained tokens
/// marked between <see cref="TrainedStart"/> and <see cref="TrainedEnd"/> (for SFT rows every assistant answer, or
/// the last with lastTurnOnly; for preference rows the chosen answer).
/// </summary>
public sealed record DataInspection(string File, DatasetSchema Schema, int Rows, int BadRows, IReadOnlyList<string> BadReasons,
    string? FirstRow, int? FirstRowTokens, int? FirstRowTrainedTokens, string TemplateName)
{
    public const string TrainedStart = "⟦";
    public const string TrainedEnd = "⟧";

    /// <summary>Inspects <paramref name="file"/>; with a tokenizer the first row is tokenised and its trained tokens counted.</summary>
    /// <param name="template">The chat template to render with; ChatML when null.</param>
    /// <exception cref="DataFormatException">The file is missing or unreadable, or no reader recognises its rows.</exception>
    public static DataInspection Inspect(string file, ITokenizer? tokenizer = null, ChatTemplate? template = null, bool lastTurnOnly = false)
    {
        template ??= new ChatMlChatTemplate();
        var schema = MajoritySchema(file);
        if (schema.IsPreference())
        {
            var read = DatasetReader.ReadPreferencePairs(file, skipBadRows: true);
            var first = read.Rows.FirstOrDefault();
            var (text, tokens, trained) = first switch
            {
                null => (null, null, null),
                { IsTokenized: true } p => ($"{p.PromptIds!.Length} prompt ids, {p.ChosenIds!.Length} chosen ids, {p.RejectedIds!.Length} rejected ids", (int?)null, (int?)null),
                var p => Render([.. p.Prompt ?? [], ChatMessage.Assistant(p.Chosen!)], tokenizer, template, lastTurnOnly: true),
            };
            return new(file, schema, read.Rows.Count, read.Skipped, read.SkipReasons, text, tokens, trained, template.Name);
        }
        var conversations = DatasetReader.ReadConversations(file, DatasetFormat.Auto, skipBadRows: true);
        var (t, n, k) = conversations.Rows.FirstOrDefault() is { } c ? Render(c.Messages, tokenizer, template, lastTurnOnly) : (null, null, null);
        return new(file, schema, conversations.Rows.Count, conversations.Skipped, conversations.SkipReasons, t, n, k, template.Name);
    }

    // The schema most rows follow (ties: the first seen); unreadable rows are left to the reader to count.
    private static DatasetSchema MajoritySchema(string file)
    {
        var counts = new Dictionary<DatasetSchema, int>();
        string? firstFields = null;
        foreach (var raw in RowSource.Read(file))
        {
            if (raw.Object is null) continue;
            var s = DatasetSchemas.Detect(raw.Object);
            counts[s] = counts.GetValueOrDefault(s) + 1;
            firstFields ??= string.Join(", ", raw.Object.Select(p => p.Key));
        }
        var known = counts.Where(kv => kv.Key != DatasetSchema.Unknown).OrderByDescending(kv => kv.Value).ToList();
        if (known.Count == 0)
            throw new DataFormatException(file, null, null, firstFields is null
                ? "no readable rows"
                : $"no reader recognises these rows (the first has fields: {firstFields}); expected messages, conversation, conversations, instruction, or chosen/rejected");
        return known[0].Key;
    }

    private static (string? Text, int? Tokens, int? Trained) Render(IReadOnlyList<ChatMessage> messages, ITokenizer? tokenizer, ChatTemplate template, bool lastTurnOnly)
    {
        var parts = template.RenderParts(messages);
        if (tokenizer is null)
        {
            var lastAnswer = parts.Select((p, i) => (p, i)).Last(x => x.p.IsAnswer).i;
            // Sized once and appended piece by piece: a row of tens of megabytes is copied once, not once per concatenation.
            var sb = new StringBuilder(parts.Sum(p => p.Text.Length) + 2 * parts.Count * (TrainedStart.Length + TrainedEnd.Length));
            for (var i = 0; i < parts.Count; i++)
            {
                var trained = parts[i].IsAnswer && (!lastTurnOnly || i == lastAnswer);
                if (trained) sb.Append(TrainedStart).Append(parts[i].Text).Append(TrainedEnd);
                else sb.Append(parts[i].Text);
            }
            return (sb.ToString(), null, null);
        }
        var e = ConversationTokens.Encode(tokenizer, parts, lastTurnOnly);
        int[] ids = [.. e.PromptIds, .. e.CompletionIds];
        var mask = e.LossMask();
        var text = new StringBuilder();
        for (var i = 0; i < ids.Length;)
        {
            var j = i;
            while (j < ids.Length && mask[j] == mask[i]) j++;
            var run = tokenizer.Decode(ids[i..j], skipSpecialTokens: false);
            if (mask[i]) text.Append(TrainedStart).Append(run).Append(TrainedEnd);
            else text.Append(run);
            i = j;
        }
        return (text.ToString(), ids.Length, mask.Count(m => m));
    }
}
