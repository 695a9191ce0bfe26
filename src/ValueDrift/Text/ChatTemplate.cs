using System.Text.Json;
using ValueDrift.Errors;

namespace ValueDrift.Text;

/// <summary>
/// A model's chat format, written as code rather than Jinja. It is split at the point where the assistant's answer
/// starts, so the prompt and the completion can be tokenised separately and concatenated:
/// <c>Encode(FormatPrompt(history)) ++ Encode(FormatCompletion(answer))</c> is what the model is trained on, and the
/// completion's tokens are exactly the ones a completion-only loss covers.
/// </summary>
public abstract class ChatTemplate
{
    /// <summary>The name <see cref="For"/> knows this template by ("llama3", "chatml", "qwen3", "plain").</summary>
    public abstract string Name { get; }

    /// <summary>
    /// Everything up to where the assistant's answer starts: all <paramref name="messages"/> (a trailing assistant
    /// message is rendered as a finished turn) and, if <paramref name="addGenerationPrompt"/>, the assistant header.
    /// </summary>
    public abstract string FormatPrompt(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt = true);

    /// <summary>The assistant's answer followed by the template's end-of-turn marker.</summary>
    public abstract string FormatCompletion(string assistantText);

    /// <summary>
    /// A whole conversation ending with an assistant answer, rendered once as the model's own template renders it,
    /// cut into <see cref="TemplatePart"/>s: every assistant answer (with its end-of-turn marker) is its own part.
    /// For one user turn and its answer the parts are <see cref="FormatPrompt"/> then <see cref="FormatCompletion"/>;
    /// text after the last end-of-turn marker (ChatML's newline) is not rendered, since generation stops at the marker.
    /// </summary>
    /// <exception cref="ArgumentException">The conversation is empty, does not end with an assistant message, or has a role the template cannot render.</exception>
    public IReadOnlyList<TemplatePart> RenderParts(IReadOnlyList<ChatMessage> messages)
    {
        if (messages.Count == 0 || messages[^1].Role != ChatRoles.Assistant)
            throw new ArgumentException("a conversation to render must end with the assistant's answer", nameof(messages));
        var parts = new List<TemplatePart>();
        AppendParts(messages, parts);
        return parts;
    }

    /// <summary>The text of <see cref="RenderParts"/>: the whole conversation as one string.</summary>
    public string Render(IReadOnlyList<ChatMessage> messages) => string.Concat(RenderParts(messages).Select(p => p.Text));

    /// <summary>Appends the parts of a conversation that ends with an assistant message (checked by the caller).</summary>
    protected abstract void AppendParts(IReadOnlyList<ChatMessage> messages, List<TemplatePart> parts);

    /// <summary>The template with this name: "llama3", "chatml", "qwen3" (ChatML with Qwen3's empty think block) or "plain".</summary>
    /// <exception cref="ConfigException">Unknown name; <paramref name="source"/> is named as the file at fault.</exception>
    public static ChatTemplate For(string name, string source = "chat template") => name.Trim().ToLowerInvariant() switch
    {
        Llama3ChatTemplate.TemplateName or "llama-3" => new Llama3ChatTemplate(),
        ChatMlChatTemplate.TemplateName => new ChatMlChatTemplate(emptyThinkBlock: false),
        ChatMlChatTemplate.Qwen3TemplateName => new ChatMlChatTemplate(emptyThinkBlock: true),
        PlainChatTemplate.TemplateName => new PlainChatTemplate(),
        _ => throw new ConfigException(source, "chat_template_name", $"unknown chat template '{name}' (known: llama3, chatml, qwen3, plain)"),
    };

    /// <summary>
    /// The template a model folder was made for, decided in this order: <c>chat_template_name</c> in
    /// tokenizer_config.json; the markers in its Jinja <c>chat_template</c> (<c>&lt;|start_header_id|&gt;</c> → llama3,
    /// <c>&lt;|im_start|&gt;</c> → qwen3 if it mentions <c>&lt;think&gt;</c>, else chatml); a <see cref="ByteTokenizer"/>
    /// folder → plain; config.json <c>model_type</c> (llama → llama3, qwen3 → qwen3, qwen2 → chatml); otherwise plain.
    /// </summary>
    /// <param name="tokenizer">When given, the plain template ends completions with this tokenizer's EOS string.</param>
    public static ChatTemplate ForModelFolder(string dir, ITokenizer? tokenizer = null)
    {
        var configFile = Path.Combine(dir, "tokenizer_config.json");
        var config = TokenizerConfig.Read(configFile);
        if (config.ChatTemplateName is { } name) return WithEos(For(name, configFile), tokenizer);
        if (config.ChatTemplate is { } jinja)
        {
            if (jinja.Contains("<|start_header_id|>")) return new Llama3ChatTemplate();
            if (jinja.Contains("<|im_start|>")) return new ChatMlChatTemplate(emptyThinkBlock: jinja.Contains("<think>"));
        }
        if (tokenizer is ByteTokenizer) return WithEos(new PlainChatTemplate(), tokenizer);
        return ModelType(dir) switch
        {
            "llama" => new Llama3ChatTemplate(),
            "qwen3" => new ChatMlChatTemplate(emptyThinkBlock: true),
            "qwen2" => new ChatMlChatTemplate(emptyThinkBlock: false),
            _ => WithEos(new PlainChatTemplate(), tokenizer),
        };
    }

    private static ChatTemplate WithEos(ChatTemplate template, ITokenizer? tokenizer) =>
        template is PlainChatTemplate && tokenizer?.EosId is int eos
            ? new PlainChatTemplate(tokenizer.Decode([eos], skipSpecialTokens: false))
            : template;

    private static string? ModelType(string dir)
    {
        var file = Path.Combine(dir, "config.json");
        if (!File.Exists(file)) return null;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(file));
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("model_type", out var t) && t.ValueKind == JsonValueKind.String
                ? t.GetString() : null;
        }
        catch (JsonException ex)
        {
            throw new ConfigException(file, "model_type", "config.json is not valid JSON: " + ex.Message, ex);
        }
    }

    /// <summary>Rejects a role the template cannot render, naming it.</summary>
    protected static ArgumentException UnknownRole(ChatMessage m, string template) =>
        new($"chat template '{template}' cannot render role '{m.Role}' (expected system, user or assistant)", nameof(m));
}
