using System.Text;
using System.Text.Json.Nodes;
using ValueDrift.Text;
using Xunit;

namespace ValueDrift.Tests.Reliability;

/// <summary>
/// Seeded mutations of tokenizer files: a small synthetic byte-level BPE <c>tokenizer.json</c> (and its
/// <c>tokenizer_config.json</c>) built here, the head of the real Qwen3 tokenizer (its 11 MB make each load slow, so it
/// gets fewer cases), and <see cref="ByteTokenizer"/> files. A tokenizer that loads must also encode and decode.
/// </summary>
public class TokenizerFuzzTests
{
    private const string Sample = "Hello world, the theory<|im_end|> 12 ümlaut\n";

    /// <summary>GPT-2's byte-to-character table, written out independently of the library's.</summary>
    private static string[] ByteChars()
    {
        var printable = Enumerable.Range(33, 94).Concat(Enumerable.Range(161, 12)).Concat(Enumerable.Range(174, 82)).ToHashSet();
        var chars = new string[256];
        int next = 256;
        for (int b = 0; b < 256; b++) chars[b] = ((char)(printable.Contains(b) ? b : next++)).ToString();
        return chars;
    }

    /// <summary>A byte-level BPE tokenizer with 256 byte tokens, a dozen merges and three added tokens, Qwen-style.</summary>
    internal static (string Tokenizer, string Config) SyntheticTokenizer()
    {
        var vocab = new JsonObject();
        var bytes = ByteChars();
        for (int i = 0; i < 256; i++) vocab[bytes[i]] = i;
        string[][] merges = [["t", "h"], ["th", "e"], ["Ġ", "t"], ["Ġ", "the"], ["o", "r"], ["Ġ", "w"], ["Ġw", "or"], ["l", "l"], ["e", "ll"], ["H", "ell"], ["Hell", "o"], ["r", "y"]];
        var mergeArray = new JsonArray();
        foreach (var m in merges)
        {
            vocab[m[0] + m[1]] = vocab.Count;
            mergeArray.Add(new JsonArray(m[0], m[1]));
        }
        var added = new JsonArray();
        foreach (var t in new[] { "<|endoftext|>", "<|im_start|>", "<|im_end|>" })
            added.Add(new JsonObject { ["id"] = vocab.Count + added.Count, ["content"] = t, ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false, ["normalized"] = false, ["special"] = true });
        var tokenizer = new JsonObject
        {
            ["version"] = "1.0",
            ["added_tokens"] = added,
            ["normalizer"] = new JsonObject { ["type"] = "NFC" },
            ["pre_tokenizer"] = new JsonObject
            {
                ["type"] = "Sequence",
                ["pretokenizers"] = new JsonArray(
                    new JsonObject { ["type"] = "Split", ["pattern"] = new JsonObject { ["Regex"] = @"(?i:'s|'t|'re)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+" }, ["behavior"] = "Isolated", ["invert"] = false },
                    new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = false, ["use_regex"] = false }),
            },
            ["decoder"] = new JsonObject { ["type"] = "ByteLevel" },
            ["model"] = new JsonObject { ["type"] = "BPE", ["ignore_merges"] = false, ["vocab"] = vocab, ["merges"] = mergeArray },
        };
        var config = new JsonObject { ["bos_token"] = null, ["eos_token"] = "<|im_end|>", ["pad_token"] = "<|endoftext|>", ["chat_template"] = "{% for m in messages %}<|im_start|>{{ m.role }}{% endfor %}" };
        // Indented, so that line-level damage has lines to work on.
        var options = new System.Text.Json.JsonSerializerOptions { WriteIndented = true };
        return (tokenizer.ToJsonString(options), config.ToJsonString(options));
    }

    private static void LoadAndUse(string dir)
    {
        var t = TokenizerLoader.FromFolder(dir);
        var ids = t.Encode(Sample);
        t.Decode(ids);
    }

    [Fact]
    public void The_synthetic_tokenizer_is_valid()
    {
        var (tok, cfg) = SyntheticTokenizer();
        var dir = Fixtures.TempDir("tok-synthetic");
        File.WriteAllText(Path.Combine(dir, "tokenizer.json"), tok);
        File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), cfg);
        var t = HfTokenizer.FromFolder(dir);
        Assert.Equal(Sample, t.Decode(t.Encode(Sample), skipSpecialTokens: false));
        Assert.Equal(t.SpecialTokenId("<|im_end|>"), t.EosId);
        Assert.Equal(256 + 3, Assert.Single(t.Encode(" the")));   // "Ġthe" is the fourth merge
    }

    [Fact]
    public void Synthetic_tokenizer_files_end_in_success_or_a_typed_error()
    {
        var (tok, cfg) = SyntheticTokenizer();
        var dir = Fixtures.TempDir("fuzz-tok");
        FuzzTokenizerFolder("tokenizer.json, synthetic (TokenizerLoader/HfTokenizer.FromFolder)", 1500, dir, tok, cfg, configEvery: 5, maxAllocatedBytes: 32L << 20);
    }

    [Fact]
    public void The_real_Qwen3_tokenizer_head_survives_mutation()
    {
        // Damage confined to the first 8 KB: added tokens, normaliser and pre-tokenizer (the vocabulary comes later).
        var text = File.ReadAllText(Path.Combine(Fixtures.Qwen3Tokenizer, "tokenizer.json"));
        int vocabAt = text.IndexOf("\"vocab\"", StringComparison.Ordinal);
        int cut = Math.Min(8192, vocabAt);
        var dir = Fixtures.TempDir("fuzz-qwen3-tok");
        File.Copy(Path.Combine(Fixtures.Qwen3Tokenizer, "tokenizer_config.json"), Path.Combine(dir, "tokenizer_config.json"));
        int cases = int.TryParse(Environment.GetEnvironmentVariable("VALUEDRIFT_FUZZ_QWEN3_CASES"), out var n) ? n : 96;
        Fuzz.Run("tokenizer.json, Qwen3 (HfTokenizer.FromFolder)", cases, (rng, i) =>
        {
            var (head, what) = rng.Next(2) == 0 ? Mutations.Json(text[..cut], rng) : Mutations.Lines(text[..cut], rng);
            return (head + text[cut..], what);
        }, t =>
        {
            File.WriteAllText(Path.Combine(dir, "tokenizer.json"), t);
            LoadAndUse(dir);
        }, maxAllocatedBytes: 2L << 30);
    }

    [Fact]
    public void ByteTokenizer_files_end_in_success_or_a_typed_error()
    {
        var dir = Fixtures.TempDir("fuzz-bytetok");
        new ByteTokenizer().Save(dir);
        var tok = File.ReadAllText(Path.Combine(dir, "tokenizer.json"));
        var cfg = File.ReadAllText(Path.Combine(dir, "tokenizer_config.json"));
        FuzzTokenizerFolder("tokenizer.json, byte (ByteTokenizer via TokenizerLoader)", 1000, dir, tok, cfg, configEvery: 4, maxAllocatedBytes: 16L << 20);
    }

    /// <summary>
    /// Mutates tokenizer.json (and every <paramref name="configEvery"/>-th case tokenizer_config.json) of a valid
    /// tokenizer folder; every load must end in success or a typed error, and a fair share must be rejected.
    /// </summary>
    private static void FuzzTokenizerFolder(string reader, int cases, string dir, string tok, string cfg, int configEvery, long maxAllocatedBytes)
    {
        var counts = Fuzz.Run(reader, cases, (rng, i) =>
        {
            bool damageConfig = i % configEvery == configEvery - 1;
            var (bytes, what) = Mutations.TextFile(damageConfig ? cfg : tok, rng, json: true);
            return ((damageConfig, bytes), (damageConfig ? "tokenizer_config.json " : "tokenizer.json ") + what);
        }, input =>
        {
            File.WriteAllText(Path.Combine(dir, "tokenizer.json"), tok);
            File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), cfg);
            File.WriteAllBytes(Path.Combine(dir, input.damageConfig ? "tokenizer_config.json" : "tokenizer.json"), input.bytes);
            LoadAndUse(dir);
        }, maxAllocatedBytes: maxAllocatedBytes);
        Assert.True(counts.TypedErrors > counts.Cases / 4, $"only {counts.TypedErrors} of {counts.Cases} mutations were rejected");
    }
}
