using Xunit;

namespace ValueDrift.Tests.Cli;

[Trait("tier", "fast")]
public class DataCommandTests
{
    [Fact]
    public void Inspect_shows_schema_rows_and_the_trained_tokens_of_the_first_row()
    {
        var (code, stdout, stderr) = CliRunner.Run("data", "inspect", Fixtures.DataFile("sharegpt.parquet"), "--model", Fixtures.Qwen3Tokenizer);
        Assert.True(code == 0, stderr);
        Assert.Contains("schema: ShareGPT", stdout);
        Assert.Contains("rows: 24 read, 0 bad", stdout);
        Assert.Contains("template qwen3", stdout);
        // First row: a system turn, one question, one answer; only the answer and its end-of-turn marker are trained.
        Assert.Contains("<|im_start|>assistant\n<think>\n\n</think>\n\n⟦It depends on a country's capacity to house and integrate newcomers; reasonable people weigh it differently.<|im_end|>⟧", stdout);
        Assert.Equal(2, stdout.Count(c => c == '⟦'));   // the legend's and the answer's
    }

    [Fact]
    public void Inspect_counts_bad_rows_and_names_them()
    {
        var file = Path.Combine(Fixtures.TempDir("data-inspect"), "hh.jsonl");
        File.WriteAllLines(file,
        [
            """{"chosen": "\n\nHuman: A?\n\nAssistant: Yes.", "rejected": "\n\nHuman: A?\n\nAssistant: No."}""",
            """{"chosen": "\n\nHuman: A?\n\nAssistant: Yes.\n\nHuman: more", "rejected": "\n\nHuman: A?\n\nAssistant: No."}""",
            "not json",
        ]);
        var (code, stdout, stderr) = CliRunner.Run("data", "inspect", file);
        Assert.True(code == 0, stderr);
        Assert.Contains("schema: Anthropic HH-RLHF", stdout);
        Assert.Contains("rows: 1 read, 2 bad", stdout);
        Assert.Contains("row 2: field 'chosen'", stdout);
        Assert.Contains("⟦Yes.<|im_end|>⟧", stdout);
    }

    [Fact]
    public void A_file_no_reader_recognises_is_a_one_line_error()
    {
        var file = Path.Combine(Fixtures.TempDir("data-inspect-unknown"), "x.jsonl");
        File.WriteAllText(file, """{"question": "q", "answer": "a"}""" + "\n");
        var (code, _, stderr) = CliRunner.Run("data", "inspect", file);
        Assert.Equal(2, code);
        Assert.Contains("no reader recognises", stderr);
        Assert.Contains("question, answer", stderr);
    }
}
