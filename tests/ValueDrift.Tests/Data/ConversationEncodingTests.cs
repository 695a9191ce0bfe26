using ValueDrift.Data;
using ValueDrift.Text;
using Xunit;

namespace ValueDrift.Tests.Data;

/// <summary>
/// Multi-turn SFT: the tokens are the whole conversation rendered once (strings written out by hand per template,
/// tokenised with the real Qwen3 tokenizer), and the loss covers every assistant answer, or only the last.
/// </summary>
[Trait("tier", "fast")]
public class ConversationEncodingTests
{
    private static readonly ITokenizer Qwen = TokenizerLoader.FromFolder(Fixtures.Qwen3Tokenizer);

    private static readonly ChatMessage[] TwoTurns =
    [
        ChatMessage.System("Be brief."), ChatMessage.User("Is the death penalty just?"), ChatMessage.Assistant("It is contested."),
        ChatMessage.User("And your view?"), ChatMessage.Assistant("I lean against it."),
    ];

    // The text of each run of trained tokens, in order.
    private static List<string> TrainedRuns(TokenizedExample e, ITokenizer tok)
    {
        var ids = e.PromptIds.Concat(e.CompletionIds).ToArray();
        var mask = e.LossMask();
        var runs = new List<string>();
        for (var i = 0; i < ids.Length;)
        {
            if (!mask[i]) { i++; continue; }
            var j = i;
            while (j < ids.Length && mask[j]) j++;
            runs.Add(tok.Decode(ids[i..j], skipSpecialTokens: false));
            i = j;
        }
        return runs;
    }

    private static int[] All(TokenizedExample e) => [.. e.PromptIds, .. e.CompletionIds];

    [Fact]
    public void Qwen3_conversation_is_rendered_once_with_the_think_block_only_on_the_final_answer()
    {
        const string expected =
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nIs the death penalty just?<|im_end|>\n"
            + "<|im_start|>assistant\nIt is contested.<|im_end|>\n<|im_start|>user\nAnd your view?<|im_end|>\n"
            + "<|im_start|>assistant\n<think>\n\n</think>\n\nI lean against it.<|im_end|>";
        var template = ChatTemplate.ForModelFolder(Fixtures.Qwen3Tokenizer, Qwen);
        Assert.Equal("qwen3", template.Name);
        Assert.Equal(expected, template.Render(TwoTurns));

        var e = new ExampleEncoder(Qwen, template).Encode(new Conversation(TwoTurns));
        Assert.Equal(Qwen.Encode(expected), All(e));
        Assert.Equal(["It is contested.<|im_end|>", "I lean against it.<|im_end|>"], TrainedRuns(e, Qwen));
        Assert.Equal(Qwen.Encode("I lean against it.<|im_end|>"), e.CompletionIds);
        // The loss counts both answers' tokens (no shift loss: the first token is never an answer token).
        Assert.Equal(Qwen.Encode("It is contested.<|im_end|>").Length + e.CompletionIds.Length, e.LossTokenCount());
    }

    [Fact]
    public void ChatMl_conversation_matches_the_hand_written_string()
    {
        const string expected =
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nIs the death penalty just?<|im_end|>\n"
            + "<|im_start|>assistant\nIt is contested.<|im_end|>\n<|im_start|>user\nAnd your view?<|im_end|>\n"
            + "<|im_start|>assistant\nI lean against it.<|im_end|>";
        var template = new ChatMlChatTemplate();
        Assert.Equal(expected, template.Render(TwoTurns));
        var e = new ExampleEncoder(Qwen, template).Encode(new Conversation(TwoTurns));
        Assert.Equal(Qwen.Encode(expected), All(e));
        Assert.Equal(["It is contested.<|im_end|>", "I lean against it.<|im_end|>"], TrainedRuns(e, Qwen));
    }

    [Fact]
    public void Llama3_conversation_has_one_bos_and_keeps_every_end_of_turn_marker()
    {
        const string expected =
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
            + "<|start_header_id|>user<|end_header_id|>\n\nIs the death penalty just?<|eot_id|>"
            + "<|start_header_id|>assistant<|end_header_id|>\n\nIt is contested.<|eot_id|>"
            + "<|start_header_id|>user<|end_header_id|>\n\nAnd your view?<|eot_id|>"
            + "<|start_header_id|>assistant<|end_header_id|>\n\nI lean against it.<|eot_id|>";
        var template = new Llama3ChatTemplate();
        Assert.Equal(expected, template.Render(TwoTurns));
        // Qwen3's vocabulary has no Llama-3 markers, so they are ordinary text whose tokens can span two template parts:
        // the ids are still those of the whole string, and a token spanning an answer's end belongs to the answer.
        var e = new ExampleEncoder(Qwen, template).Encode(new Conversation(TwoTurns));
        Assert.Equal(Qwen.Encode(expected), All(e));
        var runs = TrainedRuns(e, Qwen);
        Assert.Equal(2, runs.Count);
        Assert.StartsWith("It is contested.<|eot_id|>", runs[0]);
        Assert.StartsWith("I lean against it.<|eot_id|>", runs[1]);
        Assert.DoesNotContain("user", runs[0]);
    }

    [Fact]
    public void Plain_conversation_matches_the_hand_written_string_with_byte_and_bpe_tokenizers()
    {
        var template = new PlainChatTemplate();
        const string expected = "System: Be brief.\nUser: Is the death penalty just?\nAssistant: It is contested.<|eos|>\n"
            + "User: And your view?\nAssistant: I lean against it.<|eos|>";
        Assert.Equal(expected, template.Render(TwoTurns));

        var bytes = new ByteTokenizer();
        var b = new ExampleEncoder(bytes, template).Encode(new Conversation(TwoTurns));
        Assert.Equal(bytes.Encode(expected), All(b));
        Assert.Equal(["It is contested.<|eos|>", "I lean against it.<|eos|>"], TrainedRuns(b, bytes));

        // With a BPE tokenizer (and its own EOS, as ForModelFolder gives) "Assistant: It" merges across the part
        // boundary (" It" is one token): still the whole string's ids, and the spanning token is trained.
        var qwenPlain = new PlainChatTemplate("<|endoftext|>");
        var q = new ExampleEncoder(Qwen, qwenPlain).Encode(new Conversation(TwoTurns));
        Assert.Equal(Qwen.Encode(qwenPlain.Render(TwoTurns)), All(q));
        Assert.Equal([" It is contested.<|endoftext|>", " I lean against it.<|endoftext|>"], TrainedRuns(q, Qwen));
    }

    [Fact]
    public void Last_turn_only_keeps_the_same_tokens_and_trains_the_last_answer()
    {
        var template = ChatTemplate.For("qwen3");
        var every = new ExampleEncoder(Qwen, template).Encode(new Conversation(TwoTurns));
        var last = new ExampleEncoder(Qwen, template, lastTurnOnly: true).Encode(new Conversation(TwoTurns));
        Assert.Equal(All(every), All(last));
        Assert.Null(last.PromptLoss);
        Assert.Equal(["I lean against it.<|im_end|>"], TrainedRuns(last, Qwen));
        // Today's single-string prompt: FormatPrompt of the history, then the completion.
        Assert.Equal(Qwen.Encode(template.FormatPrompt(TwoTurns[..^1])), last.PromptIds);
    }

    [Theory]
    [InlineData("qwen3")]
    [InlineData("chatml")]
    [InlineData("llama3")]
    public void Single_turn_is_prompt_then_completion_as_before(string name)
    {
        var template = ChatTemplate.For(name);
        var c = Conversation.SingleTurn("Is the death penalty just?", "It is contested.");
        var e = new ExampleEncoder(Qwen, template).Encode(c);
        Assert.Equal(Qwen.Encode(template.FormatPrompt(c.PromptMessages)), e.PromptIds);
        Assert.Equal(Qwen.Encode(template.FormatCompletion(c.Completion)), e.CompletionIds);
        Assert.Null(e.PromptLoss);
    }

    [Fact]
    public void Collate_puts_earlier_answers_in_the_loss_mask()
    {
        var e = new TokenizedExample([1, 2, 3, 4], [5, 6]) { PromptLoss = [false, true, true, false] };
        using var b = Batching.Collate([e, new TokenizedExample([7], [8])], padId: 0);
        Assert.Equal([0L, 1, 1, 0, 1, 1, 0, 1, 0, 0, 0, 0], b.CompletionMask.data<long>().ToArray());
        Assert.Equal(4, e.LossTokenCount());
        Assert.Equal(5, e.LossTokenCount(completionOnlyLoss: false));
    }

    [Fact]
    public void Truncation_drops_whole_turns_from_the_start()
    {
        // Turns start at 0 (system+user), 4 (second user turn), 8 (third user turn); the prompt is 10 tokens.
        var e = new TokenizedExample(Enumerable.Range(0, 10).ToArray(), [100, 101, 102])
        {
            PromptLoss = [false, false, true, true, false, false, true, true, false, false],
            TurnStarts = [0, 4, 8],
        };
        // MaxLength 10 leaves 7 for the prompt: the turns from position 4 (6 tokens) fit, whole.
        var t = Truncation.Apply(e, new TruncationOptions(10));
        Assert.Equal([4, 5, 6, 7, 8, 9], t.PromptIds);
        Assert.Equal([100, 101, 102], t.CompletionIds);
        Assert.Equal([false, false, true, true, false, false], t.PromptLoss!);
        Assert.Equal([0, 4], t.TurnStarts!);
        // MaxLength 6: only the last turn (2 tokens) fits the room of 3.
        Assert.Equal([8, 9], Truncation.Apply(e, new TruncationOptions(6)).PromptIds);
    }

    [Fact]
    public void Encoder_counts_the_rows_it_cuts()
    {
        var encoder = new ExampleEncoder(new ByteTokenizer(), new PlainChatTemplate(), new TruncationOptions(40));
        encoder.Encode(Conversation.SingleTurn("hi", "ok"));
        Assert.Equal(0, encoder.TruncatedRows);
        var cut = encoder.Encode(Conversation.SingleTurn(new string('q', 60), "ok"));
        Assert.Equal(1, encoder.TruncatedRows);
        // 60 + 19 prompt bytes exceed the budget of 20; the 3-token completion stays whole.
        Assert.Equal(20, cut.PromptIds.Length);
        Assert.Equal(3, cut.CompletionIds.Length);
    }

    [Theory]
    [InlineData(40960, 1024)]
    [InlineData(512, 512)]
    public void Default_max_length_is_the_smaller_of_the_positions_and_1024(int positions, int expected) =>
        Assert.Equal(expected, TruncationOptions.Default(positions).MaxLength);

    [Fact]
    public void Sft_loss_sums_the_nll_of_every_answer_token_and_nothing_else()
    {
        var bytes = new ByteTokenizer();
        var e = new ExampleEncoder(bytes, new PlainChatTemplate()).Encode(new Conversation(TwoTurns));
        using var model = ValueDrift.Models.CausalLM.Create(ValueDrift.Tests.Training.TrainingData.TinyConfig(bytes.VocabSize), seed: 3);
        var objective = new ValueDrift.Training.Objectives.SftObjective(model, [e], bytes.PadId);
        double loss;
        using (TorchSharp.torch.no_grad()) loss = objective.Compute([0]).LossSum.item<float>();

        // By hand: −Σ log p(token t | tokens < t) over the trained positions (t ≥ 1), from the model's own logits.
        int[] ids = [.. e.PromptIds, .. e.CompletionIds];
        var mask = e.LossMask();
        double expected = 0;
        using (TorchSharp.torch.no_grad())
        {
            using var input = TorchSharp.torch.tensor(ids.Select(x => (long)x).ToArray()).unsqueeze(0);
            using var logp = model.Forward(input).log_softmax(-1).squeeze(0);   // (T, V)
            for (var t = 1; t < ids.Length; t++)
                if (mask[t]) expected -= logp[t - 1, ids[t]].item<float>();
        }
        Assert.Equal(expected, loss, 3);
        Assert.Equal("It is contested.<|eos|>".Length + "I lean against it.<|eos|>".Length - 2 * ("<|eos|>".Length - 1), mask.Count(m => m));
    }
}
