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
            var text = template.FormatPrompt([ChatMessage.System(JudgePrompt.Instructions), ChatMessage.User(JudgePrompt.User(Items[i]))]);
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
        Assert.Equal(tok.Encode(JudgePrompt.PlainText(item.Topic, item.Question, item.Answer)), judge.PromptIds(item));
        // First tokens of "support", "neutral", "oppose" are the bytes s, n, o.
        Assert.Equal(new[] { 's', 'n', 'o' }.Select(c => tok.ByteOffset + c), judge.LabelTokenIds);
    }

    [Fact]
    public void LabelsSharingAFirstTokenAreAnError()
    {
        using var model = ProbeModels.ByteModel();
        // With a byte tokenizer, " support", " neutral" and " oppose" all begin with the space byte.
        var e = Assert.Throws<ConfigException>(() => new LocalModelJudge(model, new ByteTokenizer(), null));
        Assert.Contains("share their first token", e.Message);
        Assert.Throws<ConfigException>(() => new LocalModelJudge(model, new ByteTokenizer(), null, new LocalModelJudgeOptions { LabelTokenIds = [10, 11, 10] }));
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
