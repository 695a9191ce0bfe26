using System.Text.Json;
using ValueDrift.Errors;

namespace ValueDrift.Text;

/// <summary>Picks the right <see cref="ITokenizer"/> for a model folder by looking at its <c>tokenizer.json</c>.</summary>
public static class TokenizerLoader
{
    /// <summary>
    /// A <see cref="ByteTokenizer"/> when tokenizer.json carries <c>"type": "valuedrift-byte"</c>; an
    /// <see cref="HfTokenizer"/> when it is a Hugging Face file (has a <c>"model"</c> object).
    /// </summary>
    /// <exception cref="DataFormatException">No tokenizer.json, bad JSON, or neither kind.</exception>
    public static ITokenizer FromFolder(string dir)
    {
        var file = Path.Combine(dir, "tokenizer.json");
        using (var doc = TokenizerJson.Parse(file))
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new DataFormatException(file, null, null, "expected a JSON object");
            if (root.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == ByteTokenizer.TypeMarker)
                return ByteTokenizer.Load(dir);
            if (!root.TryGetProperty("model", out _))
                throw new DataFormatException(file, null, "model", $"missing: neither a Hugging Face tokenizer nor \"type\": \"{ByteTokenizer.TypeMarker}\"");
        }
        return HfTokenizer.FromFolder(dir);
    }
}
