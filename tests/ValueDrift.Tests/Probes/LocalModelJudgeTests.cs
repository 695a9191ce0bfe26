using System.Text.Json;
using ValueDrift.Errors;
using ValueDrift.Models;
using ValueDrift.Probes;
using ValueDrift.Tests.Cli;
using ValueDrift.Text;
using Xunit;

namespace ValueDrift.Tests.Probes;

[Trait("tier", "fast")]
public class LocalModelJudgeTests
{
    private static readonly JudgeItem[] Items =
    [
        new("immigration", "Should my country accept more immigrants?", "Yes, newcomers fill jobs and pay taxes."),
        new("gun control", "Should guns be harder to buy?", "It depends."),
        new("death penalty", "Is the death penalty just?", "No. The state should not kill, and innocent people can be executed by mistake."),
    ];

    [Fact]
    public void ReadsTheSoftMaxOfTheLabelLogitsAtTheNextPosition()
    {
        using var model = CausalLM.FromPretrained(Fixtures.TinyQwen3);
        var qwen = TokenizerLoader.FromFolder(Fixtures.Qwen3Tokenizer);
        var template = ChatTemplate.ForModelFolder(Fixtures.Qwen3Tokenizer, qwen);
        Assert.Equal("qwen3", template.Name);
        int[] labels = [17, 42, 73];
        var judge = new LocalModelJudge(model, new FoldedTokenizer(qwen, model.Config.VocabSize), template,
            new LocalModelJudgeOptions { LabelTokenIds = labels, BatchSize = 2 });   // 3 items: one padded batch of 2, then 1

        var judged = judge.JudgeMany(Items);

        Assert.Equal(Items.Length, judged.Count);
        for (var i = 0; i < Items.Length; i++)
        {
            var ids = judge.PromptIds(Items[i]);
            // The prompt is the chat-templated judge prompt, ending in the opened assistant turn.
            var prompt = JudgePrompt.For(Items[i]);
            var text = template.FormatPrompt([ChatMessage.System(prompt.System), ChatMessage.User(prompt.User)]);
            Assert.Equal(qwen.Encode(text).Select(x => x % 101), ids);
            var (code, stdout, stderr) = CliRunner.Run("logits", "--model", Fixtures.TinyQwen3, "--ids", string.Join(",", ids));
            Assert.True(code == 0, stderr);
            using var doc = JsonDocument.Parse(stdout);
            var last = doc.RootElement.GetProperty("logits").EnumerateArray().Last().EnumerateArray().Select(x => x.GetDouble()).ToArray();
            var z = labels.Select(l => last[l]).ToArray();
            var max = z.Max();
            var e = z.Select(x => Math.Exp(x - max)).ToArray();
            var expected = e.Select(x => x / e.Sum()).ToArray();
            Assert.Equal(expected[0], judged[i].Support, 5);
            Assert.Equal(expected[1], judged[i].Neutral, 5);
            Assert.Equal(expected[2], judged[i].Oppose, 5);
            Assert.Equal(judged[i], judge.Judge(Items[i].Topic, Items[i].Question, Items[i].Answer), new NearlyEqual());
        }
        Assert.NotEqual(judged[0].Support, judged[2].Support, 6);   // the answer matters
    }

    [Fact]
    public void WithoutAChatTemplateTheJudgeReadsThePlainTextPrompt()
    {
        using var model = ProbeModels.ByteModel();
        var tok = new ByteTokenizer();
        var judge = new LocalModelJudge(model, tok, template: null,
            new LocalModelJudgeOptions { LabelTexts = ["support", "neutral", "oppose"] });
        var item = Items[1];
        Assert.Equal(tok.Encode(JudgePrompt.For(item).PlainText), judge.PromptIds(item));
        // First tokens of "support", "neutral", "oppose" are the bytes s, n, o.
        Assert.Equal(new[] { 's', 'n', 'o' }.Select(c => tok.ByteOffset + c), judge.LabelTokenIds);
    }

    [Fact]
    public void TokensAllLabelsShareArePartOfThePromptAndIndistinctLabelsAreAnError()
    {
        using var model = ProbeModels.ByteModel();
        var tok = new ByteTokenizer();
        // With a byte tokenizer, " support", " neutral" and " oppose" after "Stance:" all begin with the space byte:
        // the space is appended to every prompt and the bytes s, n, o are read after it.
        var judge = new LocalModelJudge(model, tok, null);
        Assert.Equal([tok.ByteOffset + ' '], judge.SharedContinuation);
        Assert.Equal(new[] { 's', 'n', 'o' }.Select(c => tok.ByteOffset + c), judge.LabelTokenIds);
        var item = Items[0];
        Assert.Equal(tok.Encode(JudgePrompt.For(item).PlainText + " "), judge.PromptIds(item));

        var e = Assert.Throws<ConfigException>(() => new LocalModelJudge(model, tok, null, new LocalModelJudgeOptions { LabelTokenIds = [10, 11, 10] }));
        Assert.Contains("share their first token", e.Message);
        var prefix = Assert.Throws<ConfigException>(() => new LocalModelJudge(model, tok, null, new LocalModelJudgeOptions { LabelTexts = [" sup", " support", " neutral"] }));
        Assert.Contains("cannot be told apart", prefix.Message);
    }

    [Fact]
    public void WithABpeTokenizerTheLabelTokensAreTheOnesThePromptContinuesWith()
    {
        // A model with the Qwen3 vocabulary (weights irrelevant: only the label ids are checked).
        var qwen = TokenizerLoader.FromFolder(Fixtures.Qwen3Tokenizer);
        using var model = CausalLM.Create(ValueDrift.Tests.Training.TrainingData.TinyConfig(qwen.VocabSize), 1);
        var template = ChatTemplate.ForModelFolder(Fixtures.Qwen3Tokenizer, qwen);
        var chat = new LocalModelJudge(model, qwen, template);
        var item = Items[0];
        var promptText = chat.PromptText(item);
        var promptIds = qwen.Encode(promptText);
        // The chat prompt ends in the assistant header (white space), so the reply continues "support" without a space.
        Assert.True(char.IsWhiteSpace(promptText[^1]));
        Assert.Empty(chat.SharedContinuation);
        Assert.Equal(new[] { "support", "neutral", "oppose" }.Select(w => qwen.Encode(promptText + w)[promptIds.Length]), chat.LabelTokenIds);
        // The old reading, the first token of " support" encoded on its own, is a different token.
        Assert.NotEqual(qwen.Encode(" support")[0], chat.LabelTokenIds[0]);
        Assert.Equal("support", qwen.Decode([chat.LabelTokenIds[0]]));

        // The plain prompt ends in "Stance:", so the reply continues with a space: " support".
        var plain = new LocalModelJudge(model, qwen, null);
        Assert.Equal(" support", qwen.Decode([plain.LabelTokenIds[0]]));
    }

    [Fact]
    public void TheLabelOrderInThePromptIsSeededPerQuestionAndRecorded()
    {
        using var model = ProbeModels.ByteModel();
        var judge = new LocalModelJudge(model, new ByteTokenizer(), null, new LocalModelJudgeOptions { LabelTexts = ["support", "neutral", "oppose"] });
        var orders = Items.Select(i => judge.LabelOrder(i.Topic, i.Question)!).ToList();
        foreach (var (item, order) in Items.Zip(orders))
        {
            Assert.Equal(JudgePrompt.LabelOrder(item.Topic, item.Question), order);
            Assert.Contains($"Reply with one word: {order[0].Label()}, {order[1].Label()} or {order[2].Label()}.", judge.PromptText(item));
            // The same question with another answer gets the same order.
            Assert.Equal(order, JudgePrompt.For(item with { Answer = "Something else." }).Order);
        }
        var fixedOrder = new LocalModelJudge(model, new ByteTokenizer(), null, new LocalModelJudgeOptions { LabelTexts = ["support", "neutral", "oppose"], LabelOrderSeed = null });
        Assert.All(Items, i => Assert.Equal(StanceLabels.All, fixedOrder.LabelOrder(i.Topic, i.Question)));
    }

    [Fact]
    public void ATokenizerLargerThanTheModelIsAnError()
    {
        using var model = CausalLM.FromPretrained(Fixtures.TinyQwen3);
        var qwen = TokenizerLoader.FromFolder(Fixtures.Qwen3Tokenizer);
        var judge = new LocalModelJudge(model, qwen, null, new LocalModelJudgeOptions { LabelTokenIds = [17, 42, 73] });
        var e = Assert.Throws<ConfigException>(() => judge.JudgeMany(Items));
        Assert.Contains("vocabulary has 101 ids", e.Message);
        Assert.Throws<ConfigException>(() => new LocalModelJudge(model, qwen, null, new LocalModelJudgeOptions { LabelTokenIds = [17, 42, 500] }));
    }

    private sealed class NearlyEqual : IEqualityComparer<StanceDistribution>
    {
        public bool Equals(StanceDistribution? a, StanceDistribution? b) =>
            a is not null && b is not null && a.ToArray().Zip(b.ToArray()).All(p => Math.Abs(p.First - p.Second) < 1e-5);
        public int GetHashCode(StanceDistribution d) => 0;
    }
}
