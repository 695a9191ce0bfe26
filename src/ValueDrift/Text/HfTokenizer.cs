using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;
using ValueDrift.Errors;

namespace ValueDrift.Text;

/// <summary>
/// A Hugging Face byte-level BPE tokenizer (Llama-3, Qwen3, GPT-2 style) read from <c>tokenizer.json</c>, with
/// BOS/EOS/PAD and the chat template taken from <c>tokenizer_config.json</c> when present.
/// </summary>
/// <remarks>
/// The BPE merging itself is Microsoft.ML.Tokenizers' <see cref="BpeTokenizer"/>. We run the steps around it
/// ourselves, in Hugging Face's order, because the library has no equivalent for two of them:
/// (1) added tokens are cut out of the raw text first, so "&lt;|im_start|&gt;" is one id wherever it appears;
/// (2) the normaliser (NFC) runs on the remaining text; (3) the <c>Split</c> regexes of the pre-tokenizer cut it into
/// pieces; (4) with <c>ignore_merges</c> (Llama-3) a piece that is itself in the vocabulary becomes that id without
/// merging, as tiktoken does; otherwise the piece is merged by the BPE. Added-token flags lstrip/rstrip/single_word
/// are not honoured (Llama-3 and Qwen3 set none of them).
/// </remarks>
public sealed class HfTokenizer : ITokenizer
{
    // Markers that end a turn in the chat formats we support; those present in the vocabulary join StopIds.
    private static readonly string[] EndOfTurnMarkers = ["<|im_end|>", "<|eot_id|>", "<|eom_id|>", "<|endoftext|>", "<|end_of_text|>"];

    // GPT-2's pre-tokenizer regex, used by a ByteLevel pre-tokenizer with use_regex = true.
    private const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    private readonly BpeTokenizer _bpe;
    /// <summary>Ids at or above this are refused: no real vocabulary comes near 2^24, and such an id would index an embedding of gigabytes.</summary>
    public const int MaxTokenId = 1 << 24;

    private readonly IReadOnlyDictionary<string, int> _vocab;
    private readonly Dictionary<string, int> _added;          // every added token, special or not
    private readonly HashSet<int> _specialIds;                 // added tokens flagged "special": dropped by Decode(skip)
    private readonly Regex? _addedTokenSplitter;
    private readonly IReadOnlyList<Regex> _splits;
    private readonly NormalizationForm[] _normalization;
    private readonly bool _ignoreMerges;

    public int VocabSize { get; }
    public int? BosId { get; }
    public int? EosId { get; }
    public int PadId { get; }
    public IReadOnlyList<int> StopIds { get; }

    /// <summary>The Jinja chat template from tokenizer_config.json, if any (used only to recognise the format).</summary>
    public string? ChatTemplateSource { get; }

    /// <summary>An explicit <c>chat_template_name</c> from tokenizer_config.json (a ValueDrift extension), if any.</summary>
    public string? ChatTemplateName { get; }

    private HfTokenizer(BpeTokenizer bpe, IReadOnlyDictionary<string, int> vocab, Dictionary<string, int> added, HashSet<int> specialIds,
        IReadOnlyList<Regex> splits, NormalizationForm[] normalization, bool ignoreMerges,
        int? bos, int? eos, int pad, string? chatTemplate, string? chatTemplateName)
    {
        _bpe = bpe; _vocab = vocab; _added = added; _specialIds = specialIds; _splits = splits;
        _normalization = normalization; _ignoreMerges = ignoreMerges;
        BosId = bos; EosId = eos; PadId = pad; ChatTemplateSource = chatTemplate; ChatTemplateName = chatTemplateName;
        VocabSize = Math.Max(vocab.Count == 0 ? 0 : vocab.Values.Max(), added.Count == 0 ? 0 : added.Values.Max()) + 1;
        // Longest first, so that "<|im_start|>" is not cut short by a shorter added token that prefixes it.
        _addedTokenSplitter = added.Count == 0 ? null
            : new Regex("(" + string.Join("|", added.Keys.OrderByDescending(k => k.Length).Select(Regex.Escape)) + ")", RegexOptions.Compiled);
        var stops = new List<int>();
        if (eos is int e) stops.Add(e);
        foreach (var m in EndOfTurnMarkers)
            if (added.TryGetValue(m, out var id) && !stops.Contains(id)) stops.Add(id);
        StopIds = stops;
    }

    /// <summary>Loads <c>tokenizer.json</c> (required) and <c>tokenizer_config.json</c> (optional) from a model folder.</summary>
    /// <exception cref="DataFormatException">A file is missing, is not JSON, or has a missing, mistyped or unsupported field.</exception>
    public static HfTokenizer FromFolder(string dir)
    {
        var file = Path.Combine(dir, "tokenizer.json");
        return TokenizerJson.Interpret(file, () => Load(dir, file));
    }

    private static HfTokenizer Load(string dir, string file)
    {
        using var doc = TokenizerJson.Parse(file);
        var root = doc.RootElement;

        var model = TokenizerJson.Required(root, "model", JsonValueKind.Object, file);
        var type = model.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : "BPE";
        if (type != "BPE") throw new DataFormatException(file, null, "model.type", $"'{type}' is not supported; only byte-level BPE tokenizers are");

        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var p in TokenizerJson.Required(model, "vocab", JsonValueKind.Object, file, "model.").EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetInt32(out var id))
                throw new DataFormatException(file, null, "model.vocab", $"entry '{p.Name}' is not an integer id");
            if (id is < 0 or >= MaxTokenId) throw new DataFormatException(file, null, "model.vocab", $"entry '{p.Name}': id {id} is outside 0..{MaxTokenId - 1}");
            vocab[p.Name] = id;
        }

        var merges = new List<string>();
        foreach (var m in TokenizerJson.Required(model, "merges", JsonValueKind.Array, file, "model.").EnumerateArray())
        {
            // Older files write "a b"; newer ones write ["a", "b"] (which allows spaces inside a token).
            if (m.ValueKind == JsonValueKind.String) merges.Add(m.GetString()!);
            else if (m.ValueKind == JsonValueKind.Array && m.GetArrayLength() == 2 && m[0].ValueKind == JsonValueKind.String && m[1].ValueKind == JsonValueKind.String)
                merges.Add(m[0].GetString() + " " + m[1].GetString());
            else throw new DataFormatException(file, null, "model.merges", $"merge #{merges.Count} is neither \"a b\" nor [\"a\", \"b\"]");
        }
        var ignoreMerges = model.TryGetProperty("ignore_merges", out var im) && im.ValueKind == JsonValueKind.True;

        var added = new Dictionary<string, int>(StringComparer.Ordinal);
        var specialIds = new HashSet<int>();
        if (root.TryGetProperty("added_tokens", out var addedJson) && addedJson.ValueKind != JsonValueKind.Null)
        {
            if (addedJson.ValueKind != JsonValueKind.Array) throw new DataFormatException(file, null, "added_tokens", "must be an array");
            foreach (var a in addedJson.EnumerateArray())
            {
                if (a.ValueKind != JsonValueKind.Object
                    || !a.TryGetProperty("id", out var idEl) || !idEl.TryGetInt32(out var id)
                    || !a.TryGetProperty("content", out var cEl) || cEl.ValueKind != JsonValueKind.String)
                    throw new DataFormatException(file, null, "added_tokens", "each entry needs an integer 'id' and a string 'content'");
                if (id is < 0 or >= MaxTokenId) throw new DataFormatException(file, null, "added_tokens", $"'{cEl.GetString()}': id {id} is outside 0..{MaxTokenId - 1}");
                added[cEl.GetString()!] = id;
                if (a.TryGetProperty("special", out var sp) && sp.ValueKind == JsonValueKind.True) specialIds.Add(id);
            }
        }

        var normalization = ReadNormalizer(root, file);
        var (splits, byteLevel) = ReadPreTokenizer(root, file);
        if (!byteLevel) throw new DataFormatException(file, null, "pre_tokenizer", "no ByteLevel step; only byte-level BPE tokenizers are supported");

        BpeTokenizer bpe;
        try
        {
            // No normaliser and a pass-through pre-tokenizer: we hand the BPE one finished piece at a time (see
            // remarks). Leaving PreTokenizer null is not the same: the library then splits on whitespace by default.
            bpe = BpeTokenizer.Create(new BpeOptions(vocab) { Merges = merges, SpecialTokens = added, ByteLevel = true, PreTokenizer = WholeText.Instance });
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or FormatException)
        {
            throw new DataFormatException(file, null, "model", "the vocabulary and merges do not form a valid BPE model: " + ex.Message, ex);
        }

        var config = TokenizerConfig.Read(Path.Combine(dir, "tokenizer_config.json"));
        int? Resolve(string? token, string field)
        {
            if (token is null) return null;
            if (added.TryGetValue(token, out var id) || vocab.TryGetValue(token, out id)) return id;
            throw new DataFormatException(config.File, null, field, $"token '{token}' is not in {file}");
        }
        var bos = Resolve(config.BosToken, "bos_token");
        var eos = Resolve(config.EosToken, "eos_token");
        var pad = Resolve(config.PadToken, "pad_token") ?? eos ?? 0;
        return new HfTokenizer(bpe, vocab, added, specialIds, splits, normalization, ignoreMerges, bos, eos, pad, config.ChatTemplate, config.ChatTemplateName);
    }

    public int[] Encode(string text)
    {
        var ids = new List<int>();
        if (_addedTokenSplitter is null) { EncodeOrdinary(text, ids); return [.. ids]; }
        // Regex.Split with a capturing group keeps the matched added tokens in the output, in order.
        foreach (var part in _addedTokenSplitter.Split(text))
        {
            if (part.Length == 0) continue;
            if (_added.TryGetValue(part, out var id)) ids.Add(id);
            else EncodeOrdinary(part, ids);
        }
        return [.. ids];
    }

    private void EncodeOrdinary(string text, List<int> ids)
    {
        foreach (var form in _normalization) text = text.Normalize(form);
        foreach (var piece in PreTokenize(text))
        {
            if (_ignoreMerges && _vocab.TryGetValue(ByteLevelAlphabet.Encode(piece), out var whole)) { ids.Add(whole); continue; }
            ids.AddRange(_bpe.EncodeToIds(piece));
        }
    }

    // Each Split step cuts every current piece further ("Isolated": matches and the gaps between them both stay).
    private IEnumerable<string> PreTokenize(string text)
    {
        IEnumerable<string> pieces = [text];
        foreach (var split in _splits)
        {
            var current = split;
            pieces = pieces.SelectMany(p => Isolate(current, p));
        }
        return pieces;
    }

    private static IEnumerable<string> Isolate(Regex regex, string text)
    {
        var at = 0;
        foreach (Match m in regex.Matches(text))
        {
            if (m.Length == 0) continue;
            if (m.Index > at) yield return text[at..m.Index];
            yield return m.Value;
            at = m.Index + m.Length;
        }
        if (at < text.Length) yield return text[at..];
    }

    public string Decode(IReadOnlyList<int> ids, bool skipSpecialTokens = true)
    {
        IEnumerable<int> kept = skipSpecialTokens ? ids.Where(id => !_specialIds.Contains(id)) : ids;
        return _bpe.Decode(kept, considerSpecialTokens: true);
    }

    public int? SpecialTokenId(string token) => _added.TryGetValue(token, out var id) ? id : null;

    private static NormalizationForm[] ReadNormalizer(JsonElement root, string file)
    {
        if (!root.TryGetProperty("normalizer", out var n) || n.ValueKind == JsonValueKind.Null) return [];
        var forms = new List<NormalizationForm>();
        void Add(JsonElement step)
        {
            var type = TokenizerJson.StepType(step);
            switch (type)
            {
                case "NFC": forms.Add(NormalizationForm.FormC); break;
                case "NFD": forms.Add(NormalizationForm.FormD); break;
                case "NFKC": forms.Add(NormalizationForm.FormKC); break;
                case "NFKD": forms.Add(NormalizationForm.FormKD); break;
                case "Sequence" when step.TryGetProperty("normalizers", out var list) && list.ValueKind == JsonValueKind.Array:
                    foreach (var s in list.EnumerateArray()) Add(s);
                    break;
                default: throw new DataFormatException(file, null, "normalizer", $"type '{type}' is not supported (only NFC/NFD/NFKC/NFKD and Sequence)");
            }
        }
        Add(n);
        return [.. forms];
    }

    private static (List<Regex> Splits, bool ByteLevel) ReadPreTokenizer(JsonElement root, string file)
    {
        var splits = new List<Regex>();
        var byteLevel = false;
        if (!root.TryGetProperty("pre_tokenizer", out var p) || p.ValueKind == JsonValueKind.Null) return (splits, false);
        void Add(JsonElement step)
        {
            var type = TokenizerJson.StepType(step);
            switch (type)
            {
                case "Sequence" when step.TryGetProperty("pretokenizers", out var list) && list.ValueKind == JsonValueKind.Array:
                    foreach (var s in list.EnumerateArray()) Add(s);
                    break;
                case "Split":
                    var behavior = !step.TryGetProperty("behavior", out var b) ? "Isolated"
                        : b.ValueKind == JsonValueKind.String ? b.GetString() : throw new DataFormatException(file, null, "pre_tokenizer.behavior", "expected a string");
                    var invert = step.TryGetProperty("invert", out var inv) && inv.ValueKind == JsonValueKind.True;
                    if (behavior != "Isolated" || invert)
                        throw new DataFormatException(file, null, "pre_tokenizer.behavior", $"Split '{behavior}'{(invert ? " inverted" : "")} is not supported (only Isolated)");
                    if (!step.TryGetProperty("pattern", out var pat)) throw new DataFormatException(file, null, "pre_tokenizer.pattern", "missing");
                    string pattern;
                    if (pat.ValueKind != JsonValueKind.Object) throw new DataFormatException(file, null, "pre_tokenizer.pattern", "expected an object");
                    if (pat.TryGetProperty("Regex", out var rx) && rx.ValueKind == JsonValueKind.String) pattern = rx.GetString()!;
                    else if (pat.TryGetProperty("String", out var lit) && lit.ValueKind == JsonValueKind.String) pattern = Regex.Escape(lit.GetString()!);
                    else throw new DataFormatException(file, null, "pre_tokenizer.pattern", "needs a 'Regex' or 'String'");
                    try { splits.Add(new Regex(pattern, RegexOptions.Compiled)); }
                    catch (ArgumentException ex) { throw new DataFormatException(file, null, "pre_tokenizer.pattern", "not a valid .NET regex: " + ex.Message, ex); }
                    break;
                case "ByteLevel":
                    if (step.TryGetProperty("add_prefix_space", out var aps) && aps.ValueKind == JsonValueKind.True)
                        throw new DataFormatException(file, null, "pre_tokenizer.add_prefix_space", "true is not supported");
                    if (!step.TryGetProperty("use_regex", out var ur) || ur.ValueKind != JsonValueKind.False)
                        splits.Add(new Regex(Gpt2Pattern, RegexOptions.Compiled));
                    byteLevel = true;
                    break;
                default: throw new DataFormatException(file, null, "pre_tokenizer", $"type '{type}' is not supported (only Split, ByteLevel and Sequence)");
            }
        }
        Add(p);
        return (splits, byteLevel);
    }

    /// <summary>A pre-tokenizer that keeps the text whole: the piece was already cut by our own pre-tokenisation.</summary>
    private sealed class WholeText : PreTokenizer
    {
        public static readonly WholeText Instance = new();
        public override IEnumerable<(int Offset, int Length)> PreTokenize(string text) => text.Length == 0 ? [] : [(0, text.Length)];
        public override IEnumerable<(int Offset, int Length)> PreTokenize(ReadOnlySpan<char> text) => text.Length == 0 ? [] : [(0, text.Length)];
    }
}
