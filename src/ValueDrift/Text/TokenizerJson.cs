using System.Text.Json;
using ValueDrift.Errors;

namespace ValueDrift.Text;

/// <summary>Reading helpers shared by the tokenizer loaders: every failure becomes a <see cref="DataFormatException"/> naming file and field.</summary>
internal static class TokenizerJson
{
    public static JsonDocument Parse(string file)
    {
        if (!File.Exists(file)) throw new DataFormatException(file, null, null, "file not found");
        var bytes = File.ReadAllBytes(file);
        // JsonDocument checks UTF-8 only when a string is read, and then throws InvalidOperationException.
        try { _ = StrictUtf8.GetCharCount(bytes); }
        catch (System.Text.DecoderFallbackException ex) { throw new DataFormatException(file, null, null, $"not valid UTF-8 at byte {ex.Index}", ex); }
        try
        {
            return JsonDocument.Parse(bytes, new JsonDocumentOptions { AllowTrailingCommas = true });
        }
        catch (JsonException ex)
        {
            throw new DataFormatException(file, null, null, $"not valid JSON (line {ex.LineNumber + 1}): {ex.Message}", ex);
        }
    }

    private static readonly System.Text.UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);

    /// <summary>
    /// Runs the interpretation of a parsed file. A JSON string holding an escaped lone surrogate ("\ud800") parses,
    /// but reading it throws InvalidOperationException, as does reading a value of an unexpected kind; both become a
    /// <see cref="DataFormatException"/> naming the file.
    /// </summary>
    public static T Interpret<T>(string file, Func<T> read)
    {
        try { return read(); }
        catch (InvalidOperationException ex)
        {
            throw new DataFormatException(file, null, null, "holds a string that is not valid UTF-16 or a value of an unexpected kind: " + ex.Message, ex);
        }
    }

    /// <summary>The <c>"type"</c> of a step object (normaliser, pre-tokenizer), or null when it is not an object with a string type.</summary>
    public static string? StepType(JsonElement step) =>
        step.ValueKind == JsonValueKind.Object && step.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;

    public static JsonElement Required(JsonElement obj, string name, JsonValueKind kind, string file, string prefix = "")
    {
        if (obj.ValueKind != JsonValueKind.Object || !obj.TryGetProperty(name, out var v))
            throw new DataFormatException(file, null, prefix + name, "missing");
        if (v.ValueKind != kind)
            throw new DataFormatException(file, null, prefix + name, $"expected {kind.ToString().ToLowerInvariant()}, found {v.ValueKind.ToString().ToLowerInvariant()}");
        return v;
    }

    /// <summary>A token given either as a string or as an AddedToken object <c>{"content": "..."}</c>; null when absent or null.</summary>
    public static string? TokenString(JsonElement obj, string name, string file)
    {
        if (!obj.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind == JsonValueKind.String) return v.GetString();
        if (v.ValueKind == JsonValueKind.Object && v.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String) return c.GetString();
        throw new DataFormatException(file, null, name, "expected a string or an object with a string 'content'");
    }
}

/// <summary>The parts of a Hugging Face <c>tokenizer_config.json</c> we use. A missing file means "no special tokens declared".</summary>
internal sealed record TokenizerConfig(string File, string? BosToken, string? EosToken, string? PadToken, string? ChatTemplate, string? ChatTemplateName)
{
    public static TokenizerConfig Read(string file) => TokenizerJson.Interpret(file, () => ReadFile(file));

    private static TokenizerConfig ReadFile(string file)
    {
        if (!System.IO.File.Exists(file)) return new TokenizerConfig(file, null, null, null, null, null);
        using var doc = TokenizerJson.Parse(file);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object) throw new DataFormatException(file, null, null, "expected a JSON object");
        string? template = null;
        if (root.TryGetProperty("chat_template", out var ct))
        {
            // Either one Jinja string, or (older files) a list of {name, template} with a "default" entry.
            if (ct.ValueKind == JsonValueKind.String) template = ct.GetString();
            else if (ct.ValueKind == JsonValueKind.Array)
                template = ct.EnumerateArray()
                    .Where(e => e.ValueKind == JsonValueKind.Object && e.TryGetProperty("template", out var tv) && tv.ValueKind == JsonValueKind.String)
                    .OrderByDescending(e => e.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String && n.GetString() == "default")
                    .Select(e => e.GetProperty("template").GetString())
                    .FirstOrDefault();
            else if (ct.ValueKind != JsonValueKind.Null) throw new DataFormatException(file, null, "chat_template", "expected a string or a list of {name, template}");
        }
        string? name = null;
        if (root.TryGetProperty("chat_template_name", out var nm) && nm.ValueKind != JsonValueKind.Null)
            name = nm.ValueKind == JsonValueKind.String ? nm.GetString() : throw new DataFormatException(file, null, "chat_template_name", "expected a string");
        return new TokenizerConfig(file,
            TokenizerJson.TokenString(root, "bos_token", file),
            TokenizerJson.TokenString(root, "eos_token", file),
            TokenizerJson.TokenString(root, "pad_token", file),
            template, name);
    }
}
