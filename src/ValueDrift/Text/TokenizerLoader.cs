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
    /// <exception cref="VocabularyMismatchException">The folder's config.json has fewer embedding rows than the tokenizer has ids.</exception>
    public static ITokenizer FromFolder(string dir)
    {
        var tokenizer = Load(dir);
        CheckAgainstModel(dir, tokenizer);
        return tokenizer;
    }

    /// <summary>
    /// Refuses a tokenizer whose ids reach past the embedding of the model in the same folder: every road that loads a
    /// model folder's text tools comes through here before its first forward pass. A folder without config.json (a
    /// tokenizer alone, an adapter) has nothing to check; a config.json that does not load is left to the model's own
    /// load, which names its problem.
    /// </summary>
    private static void CheckAgainstModel(string dir, ITokenizer tokenizer)
    {
        if (!File.Exists(Path.Combine(dir, "config.json"))) return;
        int rows;
        try { rows = Models.ModelConfig.Load(dir).VocabSize; }
        catch (ValueDriftException) { return; }
        if (tokenizer.VocabSize > rows) throw new VocabularyMismatchException(Path.GetFullPath(dir), tokenizer.VocabSize, rows);
    }

    private static ITokenizer Load(string dir)
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
