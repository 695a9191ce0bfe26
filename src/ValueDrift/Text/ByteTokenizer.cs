using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ValueDrift.Errors;

namespace ValueDrift.Text;

/// <summary>
/// A byte-level tokenizer for models trained from scratch: no merges, so nothing to train and every UTF-8 string
/// round-trips. Ids 0..5 are the special tokens (<see cref="DefaultSpecialTokens"/>, in that order:
/// <c>&lt;|pad|&gt;</c> 0, <c>&lt;|bos|&gt;</c> 1, <c>&lt;|eos|&gt;</c> 2, <c>&lt;|user|&gt;</c> 3,
/// <c>&lt;|assistant|&gt;</c> 4, <c>&lt;|end|&gt;</c> 5); byte b is id 6 + b; <see cref="VocabSize"/> is 262.
/// </summary>
/// <remarks>
/// As with Hugging Face added tokens, a special-token string written in the text encodes to its single id; that is
/// how <see cref="PlainChatTemplate"/> ends a completion with EOS. Consequently decode(encode(s)) == s holds for every s
/// with <c>skipSpecialTokens: false</c>, and with the default for every s that contains no special-token string.
/// Saved as a small <c>tokenizer.json</c> of our own, marked <c>"type": "valuedrift-byte"</c>, which
/// <see cref="TokenizerLoader.FromFolder"/> recognises.
/// </remarks>
public sealed class ByteTokenizer : ITokenizer
{
    /// <summary>The <c>"type"</c> written into tokenizer.json.</summary>
    public const string TypeMarker = "valuedrift-byte";

    public const string PadToken = "<|pad|>";
    public const string BosToken = "<|bos|>";
    public const string EosToken = "<|eos|>";
    public const string UserToken = "<|user|>";
    public const string AssistantToken = "<|assistant|>";
    public const string EndToken = "<|end|>";

    public static IReadOnlyList<string> DefaultSpecialTokens { get; } = [PadToken, BosToken, EosToken, UserToken, AssistantToken, EndToken];

    private readonly string[] _special;
    private readonly Dictionary<string, int> _specialIds;
    private readonly Regex _specialSplitter;

    /// <summary>The special tokens, in id order; byte ids start right after them.</summary>
    public IReadOnlyList<string> SpecialTokens => _special;

    /// <summary>Id of byte 0; byte b has id <c>ByteOffset + b</c>.</summary>
    public int ByteOffset => _special.Length;

    public int VocabSize => _special.Length + 256;
    public int? BosId => SpecialTokenId(BosToken);
    public int? EosId => SpecialTokenId(EosToken);
    public int PadId => SpecialTokenId(PadToken) ?? EosId ?? 0;
    public IReadOnlyList<int> StopIds { get; }

    /// <param name="specialTokens">Special tokens in id order; <see cref="DefaultSpecialTokens"/> when null.</param>
    public ByteTokenizer(IReadOnlyList<string>? specialTokens = null)
    {
        _special = [.. specialTokens ?? DefaultSpecialTokens];
        if (_special.Any(string.IsNullOrEmpty)) throw new ArgumentException("special tokens must be non-empty strings", nameof(specialTokens));
        if (_special.Distinct(StringComparer.Ordinal).Count() != _special.Length) throw new ArgumentException("special tokens must be distinct", nameof(specialTokens));
        _specialIds = _special.Select((s, i) => (s, i)).ToDictionary(p => p.s, p => p.i, StringComparer.Ordinal);
        _specialSplitter = new Regex("(" + string.Join("|", _special.OrderByDescending(s => s.Length).Select(Regex.Escape)) + ")");
        StopIds = new[] { EosToken, EndToken }.Select(SpecialTokenId).OfType<int>().ToArray();
    }

    public int[] Encode(string text)
    {
        var ids = new List<int>(text.Length);
        foreach (var part in _specialSplitter.Split(text))
        {
            if (part.Length == 0) continue;
            if (_specialIds.TryGetValue(part, out var id)) { ids.Add(id); continue; }
            foreach (var b in Encoding.UTF8.GetBytes(part)) ids.Add(ByteOffset + b);
        }
        return [.. ids];
    }

    public string Decode(IReadOnlyList<int> ids, bool skipSpecialTokens = true)
    {
        var text = new StringBuilder();
        var bytes = new List<byte>();
        void Flush() { text.Append(Encoding.UTF8.GetString(bytes.ToArray())); bytes.Clear(); }
        foreach (var id in ids)
        {
            if (id >= ByteOffset && id < VocabSize) { bytes.Add((byte)(id - ByteOffset)); continue; }
            if (id < 0 || id >= VocabSize) throw new ArgumentOutOfRangeException(nameof(ids), id, $"id outside the vocabulary (0..{VocabSize - 1})");
            Flush();
            if (!skipSpecialTokens) text.Append(_special[id]);
        }
        Flush();
        return text.ToString();
    }

    public int? SpecialTokenId(string token) => _specialIds.TryGetValue(token, out var id) ? id : null;

    /// <summary>
    /// Writes <c>tokenizer.json</c> (our format) and a <c>tokenizer_config.json</c> naming BOS/EOS/PAD and the
    /// "plain" chat template, so that a saved model folder loads back with <see cref="TokenizerLoader.FromFolder"/>.
    /// </summary>
    public void Save(string dir)
    {
        Directory.CreateDirectory(dir);
        var options = new JsonSerializerOptions { WriteIndented = true };
        var tokenizer = new JsonObject
        {
            ["type"] = TypeMarker,
            ["version"] = 1,
            ["special_tokens"] = new JsonArray([.. _special.Select(s => (JsonNode)JsonValue.Create(s))]),
        };
        File.WriteAllText(Path.Combine(dir, "tokenizer.json"), tokenizer.ToJsonString(options));
        var config = new JsonObject
        {
            ["tokenizer_class"] = nameof(ByteTokenizer),
            ["bos_token"] = SpecialTokenId(BosToken) is null ? null : BosToken,
            ["eos_token"] = SpecialTokenId(EosToken) is null ? null : EosToken,
            ["pad_token"] = SpecialTokenId(PadToken) is null ? null : PadToken,
            ["chat_template_name"] = PlainChatTemplate.TemplateName,
        };
        File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), config.ToJsonString(options));
    }

    /// <summary>Reads a <c>tokenizer.json</c> written by <see cref="Save"/>.</summary>
    /// <exception cref="DataFormatException">Missing file, bad JSON, wrong type marker, or bad special-token list.</exception>
    public static ByteTokenizer Load(string dir)
    {
        var file = Path.Combine(dir, "tokenizer.json");
        return TokenizerJson.Interpret(file, () => ReadFile(file));
    }

    private static ByteTokenizer ReadFile(string file)
    {
        using var doc = TokenizerJson.Parse(file);
        var root = doc.RootElement;
        var type = TokenizerJson.Required(root, "type", JsonValueKind.String, file).GetString();
        if (type != TypeMarker) throw new DataFormatException(file, null, "type", $"expected '{TypeMarker}', found '{type}'");
        var list = TokenizerJson.Required(root, "special_tokens", JsonValueKind.Array, file);
        var special = new List<string>();
        foreach (var s in list.EnumerateArray())
        {
            if (s.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(s.GetString()))
                throw new DataFormatException(file, null, "special_tokens", $"entry #{special.Count} is not a non-empty string");
            special.Add(s.GetString()!);
        }
        if (special.Distinct(StringComparer.Ordinal).Count() != special.Count)
            throw new DataFormatException(file, null, "special_tokens", "entries must be distinct");
        return new ByteTokenizer(special);
    }
}
