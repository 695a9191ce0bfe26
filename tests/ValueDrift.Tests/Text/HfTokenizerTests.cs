using Xunit;
using System.Text.Json;
using ValueDrift.Errors;
using ValueDrift.Text;

namespace ValueDrift.Tests.Text;

[Trait("tier", "fast")]
public class HfTokenizerTests
{
    // Loading the 151k-entry vocabulary takes a moment; share one instance across the tests of this class.
    private static readonly Lazy<HfTokenizer> Qwen3 = new(() => HfTokenizer.FromFolder(Fixtures.Qwen3Tokenizer));

    public static IEnumerable<object[]> ReferenceCases()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Fixtures.Qwen3Tokenizer, "expected_ids.json")));
        var i = 0;
        foreach (var c in doc.RootElement.GetProperty("cases").EnumerateArray())
            yield return [i++, c.GetProperty("text").GetString()!, c.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray()];
    }

    [Theory]
    [MemberData(nameof(ReferenceCases))]
    public void Qwen3_encodes_reference_cases_to_the_reference_ids(int caseNo, string text, int[] expected)
    {
        _ = caseNo; // only there to tell the cases apart in test names
        Assert.Equal(expected, Qwen3.Value.Encode(text));
    }

    [Theory]
    [MemberData(nameof(ReferenceCases))]
    public void Qwen3_decode_round_trips_reference_texts(int caseNo, string text, int[] expected)
    {
        _ = caseNo; // only there to tell the cases apart in test names
        // Keep special tokens: one reference text is a ChatML prompt with <|im_start|> markers.
        Assert.Equal(text, Qwen3.Value.Decode(expected, skipSpecialTokens: false));
    }

    [Fact]
    public void Qwen3_special_tokens_come_from_the_config_files()
    {
        var t = Qwen3.Value;
        // tokenizer_config.json: eos <|im_end|>, pad <|endoftext|>, no bos; added tokens run up to 151668.
        Assert.Null(t.BosId);
        Assert.Equal(151645, t.EosId);
        Assert.Equal(151643, t.PadId);
        Assert.Equal(151669, t.VocabSize);
        Assert.Equal(151644, t.SpecialTokenId("<|im_start|>"));
        Assert.Equal(151667, t.SpecialTokenId("<think>"));
        Assert.Null(t.SpecialTokenId("hello"));
        Assert.Contains(151645, t.StopIds);
        Assert.Contains(151643, t.StopIds);
        Assert.Equal(151645, t.StopIds[0]);
    }

    [Fact]
    public void Qwen3_added_tokens_in_text_are_single_ids_and_skipping_drops_only_special_ones()
    {
        var t = Qwen3.Value;
        var ids = t.Encode("<|im_start|>assistant\n<think>\n\n</think>\n\nYes.<|im_end|>");
        Assert.Equal(151644, ids[0]);
        Assert.Equal(151645, ids[^1]);
        Assert.Contains(151667, ids);
        Assert.Contains(151668, ids);
        // <|im_start|>/<|im_end|> are "special": dropped; <think> is an ordinary added token: kept, as in Hugging Face.
        Assert.Equal("assistant\n<think>\n\n</think>\n\nYes.", t.Decode(ids));
    }

    [Fact]
    public void Qwen3_chatml_prompt_and_completion_tokenised_separately_concatenate_to_the_whole()
    {
        var t = Qwen3.Value;
        var template = new ChatMlChatTemplate(emptyThinkBlock: true);
        var prompt = template.FormatPrompt([ChatMessage.User("Should euthanasia be legal?")]);
        var completion = template.FormatCompletion("It is a contested question.");
        int[] separately = [.. t.Encode(prompt), .. t.Encode(completion)];
        Assert.Equal(t.Encode(prompt + completion), separately);
    }

    [Fact]
    public void Missing_tokenizer_json_names_the_file()
    {
        var dir = Fixtures.TempDir("no-tokenizer");
        var ex = Assert.Throws<DataFormatException>(() => HfTokenizer.FromFolder(dir));
        Assert.Equal(Path.Combine(dir, "tokenizer.json"), ex.File);
    }

    [Fact]
    public void Invalid_json_names_the_file()
    {
        var dir = Fixtures.TempDir("bad-json");
        File.WriteAllText(Path.Combine(dir, "tokenizer.json"), "{\"model\": {\"vocab\": ");
        var ex = Assert.Throws<DataFormatException>(() => HfTokenizer.FromFolder(dir));
        Assert.Equal(Path.Combine(dir, "tokenizer.json"), ex.File);
        Assert.Contains("JSON", ex.Message);
    }

    [Theory]
    [InlineData("""{"model": {"type": "BPE", "vocab": {"a": 0}}, "pre_tokenizer": {"type": "ByteLevel"}}""", "model.merges")]
    [InlineData("""{"model": {"type": "BPE", "merges": []}, "pre_tokenizer": {"type": "ByteLevel"}}""", "model.vocab")]
    [InlineData("""{"model": {"type": "BPE", "vocab": {"a": "zero"}, "merges": []}, "pre_tokenizer": {"type": "ByteLevel"}}""", "model.vocab")]
    [InlineData("""{"model": {"type": "Unigram", "vocab": []}}""", "model.type")]
    [InlineData("""{"pre_tokenizer": {"type": "ByteLevel"}}""", "model")]
    [InlineData("""{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}, "pre_tokenizer": {"type": "Metaspace"}}""", "pre_tokenizer")]
    [InlineData("""{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}, "added_tokens": [{"content": "<x>"}], "pre_tokenizer": {"type": "ByteLevel"}}""", "added_tokens")]
    [InlineData("""{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": [3]}, "pre_tokenizer": {"type": "ByteLevel"}}""", "model.merges")]
    public void Malformed_tokenizer_json_names_file_and_field(string json, string field)
    {
        var dir = Fixtures.TempDir("malformed");
        File.WriteAllText(Path.Combine(dir, "tokenizer.json"), json);
        var ex = Assert.Throws<DataFormatException>(() => HfTokenizer.FromFolder(dir));
        Assert.Equal(Path.Combine(dir, "tokenizer.json"), ex.File);
        Assert.Equal(field, ex.Field);
    }

    [Fact]
    public void Eos_token_absent_from_vocabulary_names_the_config_field()
    {
        var dir = TinyTokenizer(ignoreMerges: false);
        File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), """{"eos_token": "<|nope|>"}""");
        var ex = Assert.Throws<DataFormatException>(() => HfTokenizer.FromFolder(dir));
        Assert.Equal(Path.Combine(dir, "tokenizer_config.json"), ex.File);
        Assert.Equal("eos_token", ex.Field);
    }

    // A hand-made vocabulary where "abc" is a token but no merge reaches it (only "a b" is a merge).
    // ids: a 0, b 1, c 2, ab 3, abc 4, Ġ 5, <|end|> 6.
    private static string TinyTokenizer(bool ignoreMerges)
    {
        var dir = Fixtures.TempDir("tiny-bpe");
        File.WriteAllText(Path.Combine(dir, "tokenizer.json"), $$$"""
            {"added_tokens": [{"id": 6, "content": "<|end|>", "special": true}],
             "normalizer": null,
             "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "use_regex": true},
             "model": {"type": "BPE", "ignore_merges": {{{(ignoreMerges ? "true" : "false")}}},
                       "vocab": {"a": 0, "b": 1, "c": 2, "ab": 3, "abc": 4, "Ġ": 5}, "merges": ["a b"]}}
            """);
        return dir;
    }

    [Fact]
    public void Ignore_merges_takes_a_whole_vocabulary_word_without_merging()
    {
        Assert.Equal([4], HfTokenizer.FromFolder(TinyTokenizer(ignoreMerges: true)).Encode("abc"));
        Assert.Equal([3, 2], HfTokenizer.FromFolder(TinyTokenizer(ignoreMerges: false)).Encode("abc"));
    }

    [Fact]
    public void Gpt2_style_byte_level_pre_tokenizer_splits_words_and_keeps_added_tokens()
    {
        var t = HfTokenizer.FromFolder(TinyTokenizer(ignoreMerges: false));
        // "ab c" splits into "ab" and " c" (GPT-2 regex); " c" has no merge, so Ġ then c.
        Assert.Equal([3, 5, 2, 6], t.Encode("ab c<|end|>"));
        Assert.Equal("ab c", t.Decode([3, 5, 2, 6]));
        Assert.Equal(7, t.VocabSize);
        Assert.Equal(0, t.PadId);   // no tokenizer_config.json: no pad, no eos, so 0
    }
}
