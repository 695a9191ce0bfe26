using System.Text.Json;
using ValueDrift.Errors;

namespace ValueDrift.Text;

/// <summary>Reading helpers shared by the tokenizer loaders: every failure becomes a <see cref="DataFormatException"/> naming file and field.</summary>
internal static class TokenizerJson
{
    public static JsonDocument Parse(string file)
    {
        if (!File.Exists(file)) throw new DataFormatException(file, null, null, "file not found");
        try
        {
            return JsonDocument.Parse(File.ReadAllBytes(file), new JsonDocumentOptions { AllowTrailingCommas = true });
        }
        catch (JsonException ex)
        {
            throw new DataFormatException(file, null, null, $"not valid JSON (line {ex.LineNumber + 1}): {ex.Message}", ex);
        }
    }

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
    public static TokenizerConfig Read(string file)
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
                    .OrderByDescending(e => e.TryGetProperty("name", out var n) && n.GetString() == "default")
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
