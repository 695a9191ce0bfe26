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
        bool isByte;
        using (var doc = TokenizerJson.Parse(file))
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new DataFormatException(file, null, null, "expected a JSON object");
            isByte = TokenizerJson.Interpret(file, () => TokenizerJson.StepType(root) == ByteTokenizer.TypeMarker);
            if (!isByte && !root.TryGetProperty("model", out _))
                throw new DataFormatException(file, null, "model", $"missing: neither a Hugging Face tokenizer nor \"type\": \"{ByteTokenizer.TypeMarker}\"");
        }
        return isByte ? ByteTokenizer.Load(dir) : HfTokenizer.FromFolder(dir);
    }
}
