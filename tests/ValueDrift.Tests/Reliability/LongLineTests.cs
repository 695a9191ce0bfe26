using System.Text;
using ValueDrift.Data;
using ValueDrift.Errors;
using Xunit;

namespace ValueDrift.Tests.Reliability;

/// <summary>
/// Data rows are bounded and exact: a JSONL line over the per-line cap is refused without being held (a 50 MB line
/// used to take 1,029 MB before its error), a raised cap reads it within 600 MB, and invalid UTF-8 is refused by row
/// instead of being read as U+FFFD.
/// </summary>
[Collection(RunsAlone.Name)]
[Trait("tier", "fast")]
public class LongLineTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static string FiftyMegabyteRow()
    {
        var file = Path.Combine(Fixtures.TempDir("long-line"), "sft.jsonl");
        using (var w = new StreamWriter(file, false, new UTF8Encoding(false)))
        {
            w.Write("{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}, {\"role\": \"assistant\", \"content\": \"");
            var block = new string('a', 1 << 20);
            for (int i = 0; i < 50; i++) w.Write(block);
            w.Write("\"}]}\n");
            w.Write("{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}, {\"role\": \"assistant\", \"content\": \"short\"}]}\n");
        }
        return file;
    }

    [Fact]
    public void A_line_over_the_cap_is_refused_by_row_without_being_held()
    {
        var file = FiftyMegabyteRow();
        DataFormatException? refused = null;
        long growth = PeakMemory.Growth(() => refused = Assert.Throws<DataFormatException>(() => DatasetReader.ReadConversations(file)));
        Assert.Equal(1, refused!.Row);
        Assert.Contains($"longer than the cap of 16 MiB per line (--max-line-mb or {DatasetLimits.MaxLineVariable} raises it)", refused.Message);
        output.WriteLine($"refused 50 MB line: peak memory grew {growth >> 20} MB");
        Assert.True(growth < 100L << 20, $"refusing the line grew the peak memory by {growth >> 20} MB");
        var skipped = DatasetReader.ReadConversations(file, skipBadRows: true);
        Assert.Equal((1, 1), (skipped.Rows.Count, skipped.Skipped));
    }

    [Fact]
    public void A_raised_cap_reads_a_50_MB_line_within_600_MB()
    {
        var file = FiftyMegabyteRow();
        Environment.SetEnvironmentVariable(DatasetLimits.MaxLineVariable, "64");
        try
        {
            ReadResult<Conversation>? read = null;
            long growth = PeakMemory.Growth(() => read = DatasetReader.ReadConversations(file));
            Assert.Equal(2, read!.Rows.Count);
            output.WriteLine($"read 50 MB line (cap 64 MiB): peak memory grew {growth >> 20} MB");
            Assert.True(growth < 600L << 20, $"reading the 50 MB line grew the peak memory by {growth >> 20} MB");
        }
        finally { Environment.SetEnvironmentVariable(DatasetLimits.MaxLineVariable, null); }
    }

    [Fact]
    public void The_cap_is_a_command_line_option_too_for_that_command_only()
    {
        // A 3 MiB row: under the default cap, over --max-line-mb 2.
        var file = Path.Combine(Fixtures.TempDir("line-cap-option"), "sft.jsonl");
        File.WriteAllLines(file,
        [
            "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}, {\"role\": \"assistant\", \"content\": \"" + new string('a', 3 << 20) + "\"}]}",
            "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}, {\"role\": \"assistant\", \"content\": \"short\"}]}",
        ]);
        var (code, stdout, err) = Cli.CliRunner.Run("data", "inspect", file);
        Assert.True(code == 0, err);
        Assert.DoesNotContain("MiB per line", stdout + err);

        (code, stdout, err) = Cli.CliRunner.Run("data", "inspect", file, "--max-line-mb", "2");
        Assert.Contains("row 1", stdout + err);
        Assert.Contains("longer than the cap of 2 MiB per line (--max-line-mb or VALUEDRIFT_MAX_LINE_MB raises it)", stdout + err);
        Assert.Equal(DatasetLimits.DefaultMaxLineBytes, DatasetLimits.MaxLineBytes);   // the command's cap ended with it

        (code, _, err) = Cli.CliRunner.Run("data", "inspect", file, "--max-line-mb", "4");
        Assert.True(code == 0, err);
        (code, _, err) = Cli.CliRunner.Run("data", "inspect", file, "--max-line-mb", "0");
        Assert.Equal(2, code);
        Assert.Contains("max-line-mb", err);
    }

    [Fact]
    public void Invalid_utf8_in_a_row_is_refused_naming_the_row()
    {
        var file = Path.Combine(Fixtures.TempDir("bad-utf8"), "sft.jsonl");
        var good = Encoding.UTF8.GetBytes("{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}, {\"role\": \"assistant\", \"content\": \"ok\"}]}\n");
        var bad = Encoding.UTF8.GetBytes("{\"messages\": [{\"role\": \"user\", \"content\": \"hi \u00e9\"}, {\"role\": \"assistant\", \"content\": \"ok\"}]}\n");
        bad[Array.IndexOf(bad, (byte)0xC3) + 1] = 0x28;   // é's continuation byte broken: not UTF-8
        File.WriteAllBytes(file, [.. good, .. bad, .. good]);
        var e = Assert.Throws<DataFormatException>(() => DatasetReader.ReadConversations(file));
        Assert.Equal(2, e.Row);
        Assert.Contains("not valid UTF-8", e.Message);
        var array = Path.ChangeExtension(file, ".json");
        File.WriteAllBytes(array, [.. "["u8, .. bad[..^1], .. "]"u8]);
        Assert.Contains("not valid UTF-8", Assert.Throws<DataFormatException>(() => DatasetReader.ReadConversations(array)).Message);
    }
}

/// <summary>Growth of the process's peak resident set (VmHWM) while an action runs; the peak is reset first (Linux).</summary>
public static class PeakMemory
{
    public static long Growth(Action action)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        File.WriteAllText("/proc/self/clear_refs", "5");   // resets VmHWM to the current resident size
        long before = ReadKb("VmRSS");
        action();
        return (ReadKb("VmHWM") - before) * 1024;
    }

    private static long ReadKb(string field) =>
        long.Parse(File.ReadLines("/proc/self/status").First(l => l.StartsWith(field + ":"))[(field.Length + 1)..].Trim().Split(' ')[0]);
}
