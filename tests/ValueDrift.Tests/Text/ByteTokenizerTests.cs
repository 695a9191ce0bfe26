using Xunit;
using ValueDrift.Errors;
using ValueDrift.Text;

namespace ValueDrift.Tests.Text;

[Trait("tier", "fast")]
public class ByteTokenizerTests
{
    [Theory]
    [InlineData("")]
    [InlineData("Hello, world!")]
    [InlineData("Größe, naïve café, 東京, مرحبا, 😀🚀")]
    [InlineData("tabs\t\tand\r\nnewlines\0nul")]
    [InlineData("<|not a special token|> < | eos | >")]
    public void Any_utf8_string_round_trips(string text)
    {
        var t = new ByteTokenizer();
        var ids = t.Encode(text);
        Assert.Equal(System.Text.Encoding.UTF8.GetByteCount(text), ids.Length);
        Assert.Equal(text, t.Decode(ids));
        Assert.Equal(text, t.Decode(ids, skipSpecialTokens: false));
    }

    [Fact]
    public void Ids_are_specials_then_bytes()
    {
        var t = new ByteTokenizer();
        Assert.Equal(262, t.VocabSize);
        Assert.Equal(0, t.PadId);
        Assert.Equal(1, t.BosId);
        Assert.Equal(2, t.EosId);
        Assert.Equal([2, 5], t.StopIds);
        // 'A' is byte 65 → 6 + 65; 'é' is C3 A9 → 6 + 195, 6 + 169.
        Assert.Equal([71, 201, 175], t.Encode("Aé"));
    }

    [Fact]
    public void Special_token_strings_encode_to_single_ids_and_are_skipped_on_decode()
    {
        var t = new ByteTokenizer();
        var ids = t.Encode("<|user|>hi<|eos|>");
        Assert.Equal([3, 6 + 'h', 6 + 'i', 2], ids);
        Assert.Equal("hi", t.Decode(ids));
        Assert.Equal("<|user|>hi<|eos|>", t.Decode(ids, skipSpecialTokens: false));
    }

    [Fact]
    public void Saved_folder_loads_back_through_the_loader_with_the_plain_template()
    {
        var dir = Fixtures.TempDir("byte-tok");
        new ByteTokenizer().Save(dir);
        var loaded = TokenizerLoader.FromFolder(dir);
        var bt = Assert.IsType<ByteTokenizer>(loaded);
        Assert.Equal(ByteTokenizer.DefaultSpecialTokens, bt.SpecialTokens);
        Assert.Equal([3, 71, 2], loaded.Encode("<|user|>A<|eos|>"));
        var template = ChatTemplate.ForModelFolder(dir, loaded);
        Assert.Equal("plain", template.Name);
        Assert.Equal("ok<|eos|>", template.FormatCompletion("ok"));
    }

    [Fact]
    public void Wrong_type_marker_is_rejected_naming_the_field()
    {
        var dir = Fixtures.TempDir("byte-tok-bad");
        File.WriteAllText(Path.Combine(dir, "tokenizer.json"), """{"type": "something-else", "special_tokens": []}""");
        var ex = Assert.Throws<DataFormatException>(() => ByteTokenizer.Load(dir));
        Assert.Equal("type", ex.Field);
        // Not ours and not Hugging Face's either.
        var ex2 = Assert.Throws<DataFormatException>(() => TokenizerLoader.FromFolder(dir));
        Assert.Equal("model", ex2.Field);
    }

    [Fact]
    public void Bad_special_token_list_is_rejected_naming_the_field()
    {
        var dir = Fixtures.TempDir("byte-tok-bad2");
        File.WriteAllText(Path.Combine(dir, "tokenizer.json"), """{"type": "valuedrift-byte", "special_tokens": ["<a>", 3]}""");
        var ex = Assert.Throws<DataFormatException>(() => TokenizerLoader.FromFolder(dir));
        Assert.Equal("special_tokens", ex.Field);
        Assert.Equal(Path.Combine(dir, "tokenizer.json"), ex.File);
    }

    [Fact]
    public void Loader_returns_the_hugging_face_tokenizer_for_a_hugging_face_folder()
    {
        Assert.IsType<HfTokenizer>(TokenizerLoader.FromFolder(Fixtures.Qwen3Tokenizer));
    }
}
