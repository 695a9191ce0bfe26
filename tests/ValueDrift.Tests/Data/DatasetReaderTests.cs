using ValueDrift.Data;
using ValueDrift.Errors;
using ValueDrift.Text;
using Xunit;

namespace ValueDrift.Tests.Data;

[Trait("tier", "fast")]
public class DatasetReaderTests
{
    private static string Jsonl(string name, params string[] lines)
    {
        var file = Path.Combine(Fixtures.TempDir("jsonl"), name);
        File.WriteAllLines(file, lines);
        return file;
    }

    [Fact]
    public void Alpaca_rows_join_instruction_and_input()
    {
        var file = Jsonl("alpaca.jsonl",
            """{"instruction": "Give a stance.", "input": "On immigration.", "output": "Support."}""",
            "",
            """{"instruction": "Say hi.", "input": "", "output": "Hi."}""");
        var r = DatasetReader.ReadConversations(file);
        Assert.Equal(2, r.Rows.Count);
        Assert.Equal(0, r.Skipped);
        Assert.Equal([ChatMessage.User("Give a stance.\n\nOn immigration."), ChatMessage.Assistant("Support.")], r.Rows[0].Messages);
        Assert.Equal([ChatMessage.User("Say hi.")], r.Rows[1].PromptMessages);
        Assert.Equal("Hi.", r.Rows[1].Completion);
        // Row numbers are line numbers: the blank line 2 is skipped but still counted.
        Assert.Equal(new DataOrigin(file, 3), r.Rows[1].Origin);
    }

    [Fact]
    public void Messages_sharegpt_and_wildchat_rows_map_roles()
    {
        var file = Jsonl("chat.jsonl",
            """{"messages": [{"role": "system", "content": "S"}, {"role": "user", "content": "U"}, {"role": "assistant", "content": "A"}]}""",
            """{"conversations": [{"from": "human", "value": "U1"}, {"from": "gpt", "value": "A1"}, {"from": "human", "value": "U2"}, {"from": "gpt", "value": "A2"}]}""",
            """{"conversation": [{"role": "user", "content": "W", "turn_identifier": 1}, {"role": "assistant", "content": "X"}], "language": "English"}""");
        var r = DatasetReader.ReadConversations(file, DatasetFormat.Messages);
        Assert.Equal([ChatMessage.System("S"), ChatMessage.User("U")], r.Rows[0].PromptMessages);
        Assert.Equal("A", r.Rows[0].Completion);
        Assert.Equal([ChatMessage.User("U1"), ChatMessage.Assistant("A1"), ChatMessage.User("U2")], r.Rows[1].PromptMessages);
        Assert.Equal("A2", r.Rows[1].Completion);
        Assert.Equal("X", r.Rows[2].Completion);
    }

    [Fact]
    public void Preference_rows_as_strings_message_lists_and_ids()
    {
        var file = Jsonl("pref.jsonl",
            """{"prompt": "Is X good?", "chosen": "Yes.", "rejected": "No.", "topic": "x", "source": "hh", "score": 3}""",
            """{"prompt": "Q", "chosen": [{"role": "user", "content": "Q"}, {"role": "assistant", "content": "good"}], "rejected": [{"role": "user", "content": "Q"}, {"role": "assistant", "content": "bad"}]}""",
            """{"prompt_ids": [5, 6], "chosen_ids": [7], "rejected_ids": [8, 9]}""",
            """{"prompt": [{"role": "system", "content": "S"}, {"role": "user", "content": "Q"}], "chosen": "c", "rejected": "r"}""");
        var r = DatasetReader.ReadPreferencePairs(file);
        Assert.Equal(4, r.Rows.Count);
        var p0 = r.Rows[0];
        Assert.Equal([ChatMessage.User("Is X good?")], p0.Prompt);
        Assert.Equal(("Yes.", "No.", "x"), (p0.Chosen, p0.Rejected, p0.Topic));
        Assert.Equal("hh", p0.Metadata["source"]);
        Assert.Equal("3", p0.Metadata["score"]);
        Assert.False(p0.Metadata.ContainsKey("prompt"));
        Assert.Equal([ChatMessage.User("Q")], r.Rows[1].Prompt);
        Assert.Equal(("good", "bad"), (r.Rows[1].Chosen, r.Rows[1].Rejected));
        Assert.True(r.Rows[2].IsTokenized);
        Assert.Equal([5, 6], r.Rows[2].PromptIds!);
        Assert.Equal([7], r.Rows[2].ChosenIds!);
        Assert.Equal([8, 9], r.Rows[2].RejectedIds!);
        Assert.Equal([ChatMessage.System("S"), ChatMessage.User("Q")], r.Rows[3].Prompt);
    }

    private const string GoodAlpaca = """{"instruction": "I", "output": "O"}""";
    private const string GoodPair = """{"prompt": "P", "chosen": "C", "rejected": "R"}""";

    [Theory]
    [InlineData("{\"instruction\": \"I\", \"output\": \"O\"", null)]
    [InlineData("""[1, 2]""", null)]
    [InlineData("""{"instruction": "I"}""", "output")]
    [InlineData("""{"instruction": 3, "output": "O"}""", "instruction")]
    [InlineData("""{"instruction": "I", "output": "   "}""", "output")]
    [InlineData("""{"instruction": "I", "input": ["x"], "output": "O"}""", "input")]
    [InlineData("""{"text": "no known fields"}""", "messages")]
    [InlineData("""{"messages": "hello"}""", "messages")]
    [InlineData("""{"messages": [{"role": "user", "content": "U"}]}""", "messages")]
    [InlineData("""{"messages": [{"role": "user", "content": "U"}, {"role": "user", "content": "V"}]}""", "messages[1].role")]
    [InlineData("""{"messages": [{"role": "user", "content": "U"}, {"role": "assistant", "content": ""}]}""", "messages[1]")]
    [InlineData("""{"messages": [{"role": "wizard", "content": "U"}, {"role": "assistant", "content": "A"}]}""", "messages[0].role")]
    [InlineData("""{"messages": [{"role": "user"}, {"role": "assistant", "content": "A"}]}""", "messages[0].content")]
    [InlineData("""{"conversations": [{"from": "human", "value": 1}, {"from": "gpt", "value": "A"}]}""", "conversations[0].value")]
    public void Malformed_conversation_rows_name_file_row_and_field(string badLine, string? field)
    {
        var file = Jsonl("bad.jsonl", GoodAlpaca, badLine, GoodAlpaca);
        var ex = Assert.Throws<DataFormatException>(() => DatasetReader.ReadConversations(file));
        Assert.Equal(file, ex.File);
        Assert.Equal(2, ex.Row);
        Assert.Equal(field, ex.Field);
        Assert.Contains("row 2", ex.Message);
    }

    [Theory]
    [InlineData("""{"prompt": "P", "chosen": "C"}""", "rejected")]
    [InlineData("""{"chosen": "C", "rejected": "R"}""", "prompt")]
    [InlineData("""{"prompt": "P", "chosen": "", "rejected": "R"}""", "chosen")]
    [InlineData("""{"prompt": "P", "chosen": "C", "rejected": 4}""", "rejected")]
    [InlineData("""{"prompt": "P", "chosen": [{"role": "user", "content": "P"}], "rejected": "R"}""", "chosen[0].role")]
    [InlineData("""{"prompt": "P", "chosen": [{"role": "user", "content": "P"}, {"role": "assistant", "content": "C"}], "rejected": [{"role": "user", "content": "other"}, {"role": "assistant", "content": "R"}]}""", "rejected")]
    [InlineData("""{"prompt_ids": [1], "chosen_ids": [2]}""", "rejected_ids")]
    [InlineData("""{"prompt_ids": [1], "chosen_ids": [], "rejected_ids": [3]}""", "chosen_ids")]
    [InlineData("""{"prompt_ids": [1, "a"], "chosen_ids": [2], "rejected_ids": [3]}""", "prompt_ids[1]")]
    [InlineData("""{"prompt_ids": [1], "chosen_ids": [2.5], "rejected_ids": [3]}""", "chosen_ids[0]")]
    [InlineData("""{"prompt_ids": [1], "chosen_ids": [2], "rejected_ids": [-3]}""", "rejected_ids[0]")]
    public void Malformed_preference_rows_name_file_row_and_field(string badLine, string field)
    {
        var file = Jsonl("bad-pref.jsonl", GoodPair, badLine);
        var ex = Assert.Throws<DataFormatException>(() => DatasetReader.ReadPreferencePairs(file));
        Assert.Equal(file, ex.File);
        Assert.Equal(2, ex.Row);
        Assert.Equal(field, ex.Field);
    }

    [Fact]
    public void Skip_bad_rows_counts_them_and_keeps_the_first_reasons()
    {
        var bad = """{"instruction": "I"}""";
        var file = Jsonl("mixed.jsonl", GoodAlpaca, bad, "{not json", GoodAlpaca, bad, bad, bad, bad, GoodAlpaca);
        var r = DatasetReader.ReadConversations(file, skipBadRows: true);
        Assert.Equal(3, r.Rows.Count);
        Assert.Equal(6, r.Skipped);
        Assert.Equal(ReadResult<Conversation>.MaxReasons, r.SkipReasons.Count);
        Assert.Contains("row 2", r.SkipReasons[0]);
        Assert.Contains("'output'", r.SkipReasons[0]);
        Assert.Contains("row 3", r.SkipReasons[1]);
        Assert.Equal([1L, 4L, 9L], r.Rows.Select(c => c.Origin!.Row));
    }

    [Fact]
    public void Explicit_format_requires_its_fields()
    {
        var file = Jsonl("alpaca-as-messages.jsonl", GoodAlpaca);
        var ex = Assert.Throws<DataFormatException>(() => DatasetReader.ReadConversations(file, DatasetFormat.Messages));
        Assert.Equal("messages", ex.Field);
    }

    [Fact]
    public void Json_array_files_are_read_row_by_row()
    {
        var file = Path.Combine(Fixtures.TempDir("json-array"), "alpaca.json");
        File.WriteAllText(file, $"[{GoodAlpaca},\n {GoodAlpaca}]");
        Assert.Equal(2, DatasetReader.ReadConversations(file).Rows.Count);
    }

    [Fact]
    public void Missing_file_and_unknown_extension_raise_even_when_skipping()
    {
        var dir = Fixtures.TempDir("nofile");
        var missing = Path.Combine(dir, "none.jsonl");
        Assert.Equal(missing, Assert.Throws<DataFormatException>(() => DatasetReader.ReadConversations(missing, skipBadRows: true)).File);
        var csv = Path.Combine(dir, "data.csv");
        File.WriteAllText(csv, "a,b");
        Assert.Throws<DataFormatException>(() => DatasetReader.ReadConversations(csv, skipBadRows: true));
    }
}
