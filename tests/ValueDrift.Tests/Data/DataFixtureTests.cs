using ValueDrift.Data;
using ValueDrift.Text;
using Xunit;

namespace ValueDrift.Tests.Data;

/// <summary>
/// The shipped files in each published schema read the same from JSONL, a JSON array and Parquet, are recognised as
/// their schema, and train through the chat template (multi-turn rows on every assistant turn).
/// </summary>
[Trait("tier", "fast")]
public class DataFixtureTests
{
    public static TheoryData<string, string> Files()
    {
        var d = new TheoryData<string, string>();
        foreach (var name in new[] { "wildchat", "alpaca", "sharegpt", "ultrafeedback", "hh-rlhf", "pairs" })
            foreach (var ext in new[] { "jsonl", "json", "parquet" })
                d.Add(name, ext);
        return d;
    }

    private static readonly Dictionary<string, DatasetSchema> Expected = new()
    {
        ["wildchat"] = DatasetSchema.WildChat, ["alpaca"] = DatasetSchema.Alpaca, ["sharegpt"] = DatasetSchema.ShareGpt,
        ["ultrafeedback"] = DatasetSchema.UltraFeedback, ["hh-rlhf"] = DatasetSchema.HhRlhf, ["pairs"] = DatasetSchema.PreferencePairs,
    };

    [Theory]
    [MemberData(nameof(Files))]
    public void Every_container_reads_the_same_rows(string name, string ext)
    {
        var file = Fixtures.DataFile($"{name}.{ext}");
        var reference = Fixtures.DataFile($"{name}.jsonl");
        var inspection = DataInspection.Inspect(file);
        Assert.Equal(Expected[name], inspection.Schema);
        Assert.Equal((24, 0), (inspection.Rows, inspection.BadRows));
        if (Expected[name].IsPreference())
        {
            var rows = DatasetReader.ReadPreferencePairs(file).Rows;
            var want = DatasetReader.ReadPreferencePairs(reference).Rows;
            Assert.Equal(want.Select(p => (p.Chosen, p.Rejected, p.Topic)), rows.Select(p => (p.Chosen, p.Rejected, p.Topic)));
            Assert.Equal(want.Select(p => p.Prompt!), rows.Select(p => p.Prompt!));
        }
        else
        {
            var rows = DatasetReader.ReadConversations(file).Rows;
            var want = DatasetReader.ReadConversations(reference).Rows;
            Assert.Equal(want.Select(c => c.Messages), rows.Select(c => c.Messages));
        }
    }

    [Fact]
    public void WildChat_multi_turn_rows_train_every_assistant_turn()
    {
        var rows = DatasetReader.ReadConversations(Fixtures.DataFile("wildchat.parquet")).Rows;
        var multi = rows[1];
        Assert.Equal([ChatRoles.User, ChatRoles.Assistant, ChatRoles.User, ChatRoles.Assistant], multi.Messages.Select(m => m.Role));
        var qwen = TokenizerLoader.FromFolder(Fixtures.Qwen3Tokenizer);
        var template = ChatTemplate.ForModelFolder(Fixtures.Qwen3Tokenizer, qwen);
        var e = new ExampleEncoder(qwen, template).Encode(multi);
        var first = qwen.Encode(multi.Messages[1].Content + "<|im_end|>").Length;
        var last = qwen.Encode(multi.Messages[3].Content + "<|im_end|>").Length;
        Assert.Equal(first + last, e.LossMask().Count(t => t));
        Assert.Equal(qwen.Encode(template.Render(multi.Messages)), e.PromptIds.Concat(e.CompletionIds));
    }

    [Fact]
    public void HH_RLHF_and_UltraFeedback_keep_their_prompts_and_scores()
    {
        var hh = DatasetReader.ReadPreferencePairs(Fixtures.DataFile("hh-rlhf.parquet")).Rows;
        Assert.Equal([ChatRoles.User, ChatRoles.Assistant, ChatRoles.User], hh[1].Prompt!.Select(m => m.Role));
        Assert.Equal("Which side do you take?", hh[1].Prompt![^1].Content);
        var uf = DatasetReader.ReadPreferencePairs(Fixtures.DataFile("ultrafeedback.json")).Rows;
        Assert.Equal("8.5", uf[0].Metadata["score_chosen"]);
        Assert.Equal([ChatMessage.User("Should my country accept more immigrants?")], uf[0].Prompt!);
    }
}
