using Parquet.Serialization;
using ValueDrift.Data;
using ValueDrift.Errors;
using ValueDrift.Text;
using Xunit;

namespace ValueDrift.Tests.Data;

[Trait("tier", "fast")]
public class ParquetReaderTests
{
    // Column names follow the data sets' spelling, hence the lower-case properties.
    private sealed class Message { public string? role { get; set; } public string? content { get; set; } }
    private sealed class ChatRow { public List<Message>? messages { get; set; } public string? source { get; set; } }
    private sealed class PreferenceRow
    {
        public string? prompt { get; set; }
        public List<Message>? chosen { get; set; }
        public List<Message>? rejected { get; set; }
        public string? topic { get; set; }
    }
    private sealed class IdRow { public List<int>? prompt_ids { get; set; } public List<long>? chosen_ids { get; set; } public List<int>? rejected_ids { get; set; } }

    private static string Write<T>(string name, IEnumerable<T> rows)
    {
        var file = Path.Combine(Fixtures.TempDir("parquet"), name);
        ParquetSerializer.SerializeAsync(rows, file).GetAwaiter().GetResult();
        return file;
    }

    [Fact]
    public void Messages_round_trip_through_parquet()
    {
        var file = Write("chat.parquet", new[]
        {
            new ChatRow { messages = [new() { role = "user", content = "Is X good?" }, new() { role = "assistant", content = "Yes." }], source = "a" },
            new ChatRow { messages = [new() { role = "system", content = "S" }, new() { role = "user", content = "Q" }, new() { role = "assistant", content = "A" }] },
        });
        var r = DatasetReader.ReadConversations(file);
        Assert.Equal(2, r.Rows.Count);
        Assert.Equal([ChatMessage.User("Is X good?"), ChatMessage.Assistant("Yes.")], r.Rows[0].Messages);
        Assert.Equal([ChatMessage.System("S"), ChatMessage.User("Q")], r.Rows[1].PromptMessages);
        Assert.Equal(new DataOrigin(file, 2), r.Rows[1].Origin);
    }

    [Fact]
    public void UltraFeedback_style_preferences_round_trip_through_parquet()
    {
        var file = Write("uf.parquet", new[]
        {
            new PreferenceRow
            {
                prompt = "Q",
                chosen = [new() { role = "user", content = "Q" }, new() { role = "assistant", content = "good" }],
                rejected = [new() { role = "user", content = "Q" }, new() { role = "assistant", content = "bad" }],
                topic = "t",
            },
        });
        var p = Assert.Single(DatasetReader.ReadPreferencePairs(file).Rows);
        Assert.Equal([ChatMessage.User("Q")], p.Prompt);
        Assert.Equal(("good", "bad", "t"), (p.Chosen, p.Rejected, p.Topic));
    }

    [Fact]
    public void Token_id_columns_of_int32_and_int64_are_read()
    {
        var file = Write("ids.parquet", new[] { new IdRow { prompt_ids = [1, 2, 3], chosen_ids = [4L, 5L], rejected_ids = [6] } });
        var p = Assert.Single(DatasetReader.ReadPreferencePairs(file).Rows);
        Assert.Equal([1, 2, 3], p.PromptIds!);
        Assert.Equal([4, 5], p.ChosenIds!);
        Assert.Equal([6], p.RejectedIds!);
    }

    [Fact]
    public void Bad_parquet_row_names_row_and_field_and_can_be_skipped()
    {
        var file = Write("bad.parquet", new[]
        {
            new ChatRow { messages = [new() { role = "user", content = "Q" }, new() { role = "assistant", content = "A" }] },
            new ChatRow { messages = [new() { role = "user", content = "Q" }, new() { role = "assistant", content = "" }] },
        });
        var ex = Assert.Throws<DataFormatException>(() => DatasetReader.ReadConversations(file));
        Assert.Equal((file, 2L, "messages[1]"), (ex.File, ex.Row!.Value, ex.Field));
        var r = DatasetReader.ReadConversations(file, skipBadRows: true);
        Assert.Single(r.Rows);
        Assert.Equal(1, r.Skipped);
    }

    [Fact]
    public void A_file_that_is_not_parquet_names_the_file()
    {
        var file = Path.Combine(Fixtures.TempDir("notparquet"), "x.parquet");
        File.WriteAllText(file, "this is not parquet");
        Assert.Equal(file, Assert.Throws<DataFormatException>(() => DatasetReader.ReadConversations(file)).File);
    }
}
