using Xunit;
using ValueDrift.Errors;
using ValueDrift.Text;

namespace ValueDrift.Tests.Text;

[Trait("tier", "fast")]
public class ChatTemplateTests
{
    private static readonly ChatMessage[] SystemUser = [ChatMessage.System("You are helpful."), ChatMessage.User("Is the death penalty just?")];

    [Fact]
    public void Llama3_matches_the_published_format()
    {
        var t = new Llama3ChatTemplate();
        Assert.Equal(
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are helpful.<|eot_id|>"
            + "<|start_header_id|>user<|end_header_id|>\n\nIs the death penalty just?<|eot_id|>"
            + "<|start_header_id|>assistant<|end_header_id|>\n\n",
            t.FormatPrompt(SystemUser));
        Assert.Equal("It depends.<|eot_id|>", t.FormatCompletion("It depends."));
        Assert.Equal("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>",
            t.FormatPrompt([ChatMessage.User("  Hi \n")], addGenerationPrompt: false));
    }

    [Fact]
    public void ChatMl_matches_the_published_format()
    {
        var t = new ChatMlChatTemplate();
        Assert.Equal("chatml", t.Name);
        Assert.Equal(
            "<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\nIs the death penalty just?<|im_end|>\n<|im_start|>assistant\n",
            t.FormatPrompt(SystemUser));
        Assert.Equal("No.<|im_end|>", t.FormatCompletion("No."));
    }

    [Fact]
    public void Qwen3_adds_the_empty_think_block_only_to_the_generation_prompt()
    {
        var t = ChatTemplate.For("qwen3");
        var conversation = new[] { ChatMessage.User("A?"), ChatMessage.Assistant("B."), ChatMessage.User("C?") };
        // Qwen3's Jinja with enable_thinking=False: earlier answers plain, the new turn opens with an empty think block.
        Assert.Equal(
            "<|im_start|>user\nA?<|im_end|>\n<|im_start|>assistant\nB.<|im_end|>\n<|im_start|>user\nC?<|im_end|>\n"
            + "<|im_start|>assistant\n<think>\n\n</think>\n\n",
            t.FormatPrompt(conversation));
    }

    [Fact]
    public void Plain_format_ends_answers_with_eos()
    {
        var t = new PlainChatTemplate();
        var conversation = new[] { ChatMessage.System("Be brief."), ChatMessage.User("A?"), ChatMessage.Assistant("B."), ChatMessage.User("C?") };
        Assert.Equal("System: Be brief.\nUser: A?\nAssistant: B.<|eos|>\nUser: C?\nAssistant: ", t.FormatPrompt(conversation));
        Assert.Equal("D.<|eos|>", t.FormatCompletion("D."));
        Assert.Equal("D.</s>", new PlainChatTemplate("</s>").FormatCompletion("D."));
    }

    [Theory]
    [InlineData("llama3", typeof(Llama3ChatTemplate))]
    [InlineData("ChatML", typeof(ChatMlChatTemplate))]
    [InlineData("qwen3", typeof(ChatMlChatTemplate))]
    [InlineData("plain", typeof(PlainChatTemplate))]
    public void For_name_returns_the_template(string name, Type expected)
    {
        var t = ChatTemplate.For(name);
        Assert.IsType(expected, t);
        Assert.Equal(name.ToLowerInvariant(), t.Name);
    }

    [Fact]
    public void Unknown_name_is_a_config_error()
    {
        var ex = Assert.Throws<ConfigException>(() => ChatTemplate.For("vicuna"));
        Assert.Contains("vicuna", ex.Message);
    }

    [Fact]
    public void Unknown_role_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => new ChatMlChatTemplate().FormatPrompt([new ChatMessage("tool", "x")]));
    }

    [Theory]
    [InlineData("llama", "llama3")]
    [InlineData("qwen3", "qwen3")]
    [InlineData("qwen2", "chatml")]
    [InlineData("gpt2", "plain")]
    public void Model_folder_without_template_hints_goes_by_model_type(string modelType, string expected)
    {
        var dir = Fixtures.TempDir("model-type");
        File.WriteAllText(Path.Combine(dir, "config.json"), $$"""{"model_type": "{{modelType}}"}""");
        Assert.Equal(expected, ChatTemplate.ForModelFolder(dir).Name);
    }

    [Fact]
    public void Model_folder_jinja_template_is_recognised()
    {
        // The real Qwen3 tokenizer_config.json carries Qwen3's Jinja template (with <think>).
        Assert.Equal("qwen3", ChatTemplate.ForModelFolder(Fixtures.Qwen3Tokenizer).Name);
        var dir = Fixtures.TempDir("jinja-llama");
        File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"),
            """{"chat_template": "{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>' }}"}""");
        File.WriteAllText(Path.Combine(dir, "config.json"), """{"model_type": "qwen3"}""");
        Assert.Equal("llama3", ChatTemplate.ForModelFolder(dir).Name);
    }

    [Fact]
    public void Explicit_template_name_wins()
    {
        var dir = Fixtures.TempDir("named");
        File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), """{"chat_template_name": "chatml"}""");
        File.WriteAllText(Path.Combine(dir, "config.json"), """{"model_type": "llama"}""");
        Assert.Equal("chatml", ChatTemplate.ForModelFolder(dir).Name);
    }
}
