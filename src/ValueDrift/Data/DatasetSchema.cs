using System.Text.Json.Nodes;

namespace ValueDrift.Data;

/// <summary>The published row schemas the readers recognise (see docs/data-formats.md).</summary>
public enum DatasetSchema
{
    /// <summary>No reader recognises the row.</summary>
    Unknown,
    /// <summary>WildChat-1M: <c>conversation</c> of <c>{role, content, …}</c> turns, with many extra fields.</summary>
    WildChat,
    /// <summary>ShareGPT: <c>conversations</c> of <c>{from, value}</c> turns.</summary>
    ShareGpt,
    /// <summary>OpenAI-style chat: <c>messages</c> of <c>{role, content}</c>.</summary>
    Messages,
    /// <summary>Alpaca: <c>instruction</c>, <c>input</c>, <c>output</c> (and the ignored <c>text</c>).</summary>
    Alpaca,
    /// <summary>UltraFeedback-binarized: <c>chosen</c>/<c>rejected</c> as whole chats, with <c>prompt</c>, <c>messages</c> and scores.</summary>
    UltraFeedback,
    /// <summary>Anthropic HH-RLHF: <c>chosen</c>/<c>rejected</c> as whole "\n\nHuman: … \n\nAssistant: …" transcripts.</summary>
    HhRlhf,
    /// <summary>The project's simple pairs: <c>prompt</c>, <c>chosen</c>, <c>rejected</c> strings (optional <c>topic</c>).</summary>
    PreferencePairs,
    /// <summary>Pairs of token ids: <c>prompt_ids</c>, <c>chosen_ids</c>, <c>rejected_ids</c>.</summary>
    TokenIds,
}

/// <summary>Recognises a row's schema from the fields it has.</summary>
public static class DatasetSchemas
{
    /// <summary>The schema a row follows, decided by its fields in the order the readers use them.</summary>
    public static DatasetSchema Detect(JsonObject row)
    {
        bool Has(string k) => row.TryGetPropertyValue(k, out var v) && v is not null;
        if (Has("prompt_ids") || Has("chosen_ids") || Has("rejected_ids")) return DatasetSchema.TokenIds;
        if (Has("chosen") && Has("rejected"))
            return row["chosen"] is JsonArray ? DatasetSchema.UltraFeedback
                : !Has("prompt") && row["chosen"] is JsonValue v && v.TryGetValue<string>(out var s) && HhRlhfTranscript.IsTranscript(s) ? DatasetSchema.HhRlhf
                : DatasetSchema.PreferencePairs;
        if (Has("conversation")) return DatasetSchema.WildChat;
        if (Has("conversations")) return DatasetSchema.ShareGpt;
        if (Has("messages")) return DatasetSchema.Messages;
        if (Has("instruction")) return DatasetSchema.Alpaca;
        return DatasetSchema.Unknown;
    }

    /// <summary>Whether rows of this schema are preference pairs (DPO, SimPO, reward models) rather than SFT conversations.</summary>
    public static bool IsPreference(this DatasetSchema s) =>
        s is DatasetSchema.UltraFeedback or DatasetSchema.HhRlhf or DatasetSchema.PreferencePairs or DatasetSchema.TokenIds;

    /// <summary>A one-line description for people.</summary>
    public static string Describe(this DatasetSchema s) => s switch
    {
        DatasetSchema.WildChat => "WildChat-1M (conversation: role/content turns; SFT)",
        DatasetSchema.ShareGpt => "ShareGPT (conversations: from/value turns; SFT)",
        DatasetSchema.Messages => "chat messages (messages: role/content; SFT)",
        DatasetSchema.Alpaca => "Alpaca (instruction/input/output; SFT)",
        DatasetSchema.UltraFeedback => "UltraFeedback-binarized (chosen/rejected chats; preference)",
        DatasetSchema.HhRlhf => "Anthropic HH-RLHF (chosen/rejected transcripts; preference)",
        DatasetSchema.PreferencePairs => "preference pairs (prompt/chosen/rejected; preference)",
        DatasetSchema.TokenIds => "token-id pairs (prompt_ids/chosen_ids/rejected_ids; preference)",
        _ => "unknown",
    };
}
