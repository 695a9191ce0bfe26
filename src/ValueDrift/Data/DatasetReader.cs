using System.Text.Json.Nodes;
using ValueDrift.Errors;
using ValueDrift.Text;

namespace ValueDrift.Data;

/// <summary>
/// Reads SFT conversations and preference pairs from JSONL, JSON-array or Parquet files (chosen by extension).
/// A malformed row (bad JSON, missing field, wrong type, empty completion) raises a <see cref="DataFormatException"/>
/// naming file, row and field — or, with <c>skipBadRows</c>, is skipped and counted in the <see cref="ReadResult{T}"/>.
/// A missing or unreadable file always raises.
/// </summary>
public static class DatasetReader
{
    /// <summary>SFT rows: Alpaca, messages/WildChat, or ShareGPT (see <see cref="DatasetFormat"/>).</summary>
    public static ReadResult<Conversation> ReadConversations(string file, DatasetFormat format = DatasetFormat.Auto, bool skipBadRows = false)
    {
        if (format == DatasetFormat.Preference)
            throw new ArgumentException("preference rows are read with ReadPreferencePairs", nameof(format));
        return Read(file, skipBadRows, f => ParseConversation(f, format));
    }

    /// <summary>Preference rows: prompt/chosen/rejected as strings or message lists, or as token-id arrays.</summary>
    public static ReadResult<PreferencePair> ReadPreferencePairs(string file, bool skipBadRows = false) =>
        Read(file, skipBadRows, ParsePreference);

    private static ReadResult<T> Read<T>(string file, bool skipBadRows, Func<RowFields, T> parse)
    {
        var rows = new List<T>();
        var skipped = 0;
        var reasons = new List<string>();
        foreach (var raw in RowSource.Read(file))
        {
            try
            {
                if (raw.Error is not null) throw raw.Error;
                T parsed;
                try { parsed = parse(new RowFields(file, raw.Row, raw.Object!)); }
                catch (InvalidOperationException ex)
                {   // JSON accepts an escaped lone surrogate ("\ud800"); reading that string as text throws.
                    throw new DataFormatException(file, raw.Row, null, "holds a string that is not valid UTF-16: " + ex.Message, ex);
                }
                rows.Add(parsed);
            }
            catch (DataFormatException ex) when (skipBadRows)
            {
                skipped++;
                if (reasons.Count < ReadResult<T>.MaxReasons) reasons.Add(ex.Message);
            }
        }
        return new ReadResult<T>(rows, skipped, reasons);
    }

    private static Conversation ParseConversation(RowFields f, DatasetFormat format)
    {
        if (format == DatasetFormat.Auto)
            format = f.Has("messages") || f.Has("conversation") || f.Has("conversations") ? DatasetFormat.Messages
                : f.Has("instruction") ? DatasetFormat.Alpaca
                : throw f.Error("messages", "missing: the row has none of messages, conversation, conversations, instruction");
        return format == DatasetFormat.Alpaca ? ParseAlpaca(f) : ParseMessages(f);
    }

    // Alpaca: the user turn is the instruction, followed by the input (if any) after a blank line.
    private static Conversation ParseAlpaca(RowFields f)
    {
        var instruction = f.RequiredString("instruction");
        if (string.IsNullOrWhiteSpace(instruction)) throw f.Error("instruction", "empty");
        var input = f.OptionalString("input");
        if (!f.Has("output")) throw f.Error("output", "missing");
        var output = f.Completion(f.Object["output"], "output");
        var user = string.IsNullOrWhiteSpace(input) ? instruction : instruction + "\n\n" + input;
        return Conversation.SingleTurn(user, output, f.Origin);
    }

    private static Conversation ParseMessages(RowFields f)
    {
        var field = f.Has("messages") ? "messages" : f.Has("conversation") ? "conversation" : f.Has("conversations") ? "conversations"
            : throw f.Error("messages", "missing");
        var messages = f.Messages(f.Object[field], field);
        if (messages.Count < 2) throw f.Error(field, $"needs at least a prompt message and an assistant answer, found {messages.Count} message(s)");
        var last = messages[^1];
        if (last.Role != ChatRoles.Assistant) throw f.Error($"{field}[{messages.Count - 1}].role", $"the last message must be the assistant's answer, found '{last.Role}'");
        if (string.IsNullOrWhiteSpace(last.Content)) throw f.Error($"{field}[{messages.Count - 1}]", "empty completion");
        return new Conversation(messages, f.Origin);
    }

    private static readonly string[] PreferenceFields = ["prompt", "chosen", "rejected", "prompt_ids", "chosen_ids", "rejected_ids", "topic"];

    private static PreferencePair ParsePreference(RowFields f)
    {
        var topic = f.OptionalString("topic");
        var metadata = f.Scalars(PreferenceFields);
        if (f.Has("prompt_ids") || f.Has("chosen_ids") || f.Has("rejected_ids"))
            return new PreferencePair
            {
                PromptIds = f.Ids("prompt_ids", allowEmpty: false),
                ChosenIds = f.Ids("chosen_ids", allowEmpty: false),
                RejectedIds = f.Ids("rejected_ids", allowEmpty: false),
                Topic = topic, Metadata = metadata, Origin = f.Origin,
            };

        // Anthropic HH-RLHF: two whole transcripts and no prompt field.
        if (!f.Has("prompt") && f.Object["chosen"] is JsonValue && f.Object["rejected"] is JsonValue
            && f.OptionalString("chosen") is { } c && f.OptionalString("rejected") is { } r && HhRlhfTranscript.IsTranscript(c))
        {
            var (hhPrompt, hhChosen, hhRejected) = HhRlhfTranscript.Split(c, r, f.File, f.Row);
            return new PreferencePair { Prompt = hhPrompt, Chosen = hhChosen, Rejected = hhRejected, Topic = topic, Metadata = metadata, Origin = f.Origin };
        }

        var (chosenPrompt, chosen) = Answer(f, "chosen");
        var (rejectedPrompt, rejected) = Answer(f, "rejected");
        // UltraFeedback-binarized: both answers are whole chats; their turns before the answer are the prompt.
        IReadOnlyList<ChatMessage>? prompt = chosenPrompt is { Count: > 0 } ? chosenPrompt : null;
        if (prompt is not null && rejectedPrompt is { Count: > 0 } && !prompt.SequenceEqual(rejectedPrompt))
            throw f.Error("rejected", "its turns before the answer differ from chosen's");
        if (prompt is null)
        {
            if (!f.Has("prompt")) throw f.Error("prompt", "missing");
            var p = f.Object["prompt"];
            prompt = p is JsonArray ? f.Messages(p, "prompt") : [ChatMessage.User(f.String(p, "prompt"))];
            if (prompt.Count == 0 || prompt.All(m => string.IsNullOrWhiteSpace(m.Content))) throw f.Error("prompt", "empty");
        }
        return new PreferencePair { Prompt = prompt, Chosen = chosen, Rejected = rejected, Topic = topic, Metadata = metadata, Origin = f.Origin };
    }

    // An answer is a string, or a message list whose last message is the assistant's answer (earlier ones: its prompt).
    private static (List<ChatMessage>? Prompt, string Answer) Answer(RowFields f, string field)
    {
        if (!f.Has(field)) throw f.Error(field, "missing");
        var v = f.Object[field];
        if (v is not JsonArray) return (null, f.Completion(v, field));
        var messages = f.Messages(v, field);
        if (messages.Count == 0) throw f.Error(field, "empty completion");
        var last = messages[^1];
        if (last.Role != ChatRoles.Assistant) throw f.Error($"{field}[{messages.Count - 1}].role", $"the last message must be the assistant's answer, found '{last.Role}'");
        if (string.IsNullOrWhiteSpace(last.Content)) throw f.Error($"{field}[{messages.Count - 1}]", "empty completion");
        return (messages.Take(messages.Count - 1).ToList(), last.Content);
    }
}
