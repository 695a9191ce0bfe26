using System.Globalization;
using System.Text.Json;
using ValueDrift.Cli.Commands;
using ValueDrift.Data;
using ValueDrift.Experiments;
using ValueDrift.Models;
using ValueDrift.Tests.Cli;
using ValueDrift.Tests.Experiments;
using ValueDrift.Training;
using ValueDrift.Training.Algorithms;
using Xunit;

namespace ValueDrift.Tests.Reliability;

/// <summary>
/// <c>plan --data</c> and the stages' preflight size a step from the data's own lengths after truncation (a batch pads
/// to its longest row), not every row padded to --max-length, and name the --max-length that would fit with the rows it cuts.
/// </summary>
[Trait("tier", "fast")]
public class PlanFromDataTests
{
    private static string Gib(long bytes) => (bytes / (double)(1L << 30)).ToString("R", CultureInfo.InvariantCulture);

    /// <summary>The longest pair (prompt + longer answer) as the DPO trainer reads the file, cut at <paramref name="maxLength"/>.</summary>
    private static int LongestPair(string model, string data, int maxLength)
    {
        var inputs = new StageInputs(model, ModelConfig.Load(Path.Combine(model, "config.json")), maxLength, skipBadRows: false);
        return inputs.Preferences(data).Max(p => p.PromptIds.Length + Math.Max(p.ChosenIds.Length, p.RejectedIds.Length));
    }

    [Fact]
    public void Plan_with_data_sizes_at_the_longest_row_and_fits_where_padding_to_max_length_did_not()
    {
        var model = StageFixtures.TinyQwen3WithTokenizer();   // a 151k vocabulary: the logits dominate
        var data = StageFixtures.TextPairs();
        var config = ModelConfig.Load(Path.Combine(model, "config.json"));
        int longest = LongestPair(model, data, 256);
        Assert.InRange(longest, 2, 64);   // short rows: far below the limit
        var padded = MemoryPlan.For(config, new MemoryPlanOptions { Terms = new Dpo().Memory, BatchSize = 4, MaxLength = 256 });
        var actual = MemoryPlan.For(config, new MemoryPlanOptions { Terms = new Dpo().Memory, BatchSize = 4, MaxLength = longest });
        var device = Gib((padded.TotalBytes + actual.TotalBytes) / 2);   // between the two

        string[] args = ["plan", "--model", model, "--stage", "dpo", "--batch-size", "4", "--max-length", "256", "--device-memory", device, "--format", "json"];
        var (code, stdout, err) = CliRunner.Run(args);
        Assert.True(code == PlanCommand.DoesNotFitExitCode, err);   // without the data: every row at 256 tokens
        Assert.Equal(padded.TotalBytes, JsonDocument.Parse(stdout).RootElement.GetProperty("total_bytes").GetInt64());

        (code, stdout, err) = CliRunner.Run([.. args, "--data", data]);
        Assert.True(code == 0, err + stdout);
        var r = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(12, r.GetProperty("data_rows").GetInt32());
        Assert.Equal(longest, r.GetProperty("sequence_length").GetInt32());
        Assert.Equal(actual.ActivationsBytes, r.GetProperty("activations_bytes").GetInt64());
        Assert.Equal(actual.TotalBytes, r.GetProperty("total_bytes").GetInt64());
        Assert.True(r.GetProperty("fits").GetBoolean());
    }

    [Fact]
    public void Plan_with_data_names_the_max_length_that_fits_and_the_rows_it_cuts()
    {
        var model = StageFixtures.TinyQwen3WithTokenizer();
        // Eleven short pairs and one of about 200 tokens: cutting at half its length cuts that one row only.
        var data = StageFixtures.Write("pairs.jsonl", [.. Enumerable.Range(0, 11).Select(i => $"{{\"prompt\": \"pick {i}\", \"chosen\": \"good {i}\", \"rejected\": \"bad\"}}"),
            $"{{\"prompt\": \"pick\", \"chosen\": \"{string.Join(" ", Enumerable.Repeat("good", 190))}\", \"rejected\": \"bad\"}}"]);
        var config = ModelConfig.Load(Path.Combine(model, "config.json"));
        int longest = LongestPair(model, data, 256), shortOnes = LongestPair(model, StageFixtures.TextPairs(), 256);
        Assert.InRange(longest, 100, 256);
        int half = longest / 2;
        Assert.True(half > shortOnes);
        var atLongest = MemoryPlan.For(config, new MemoryPlanOptions { Terms = new Dpo().Memory, BatchSize = 4, MaxLength = longest });
        var atHalf = MemoryPlan.For(config, new MemoryPlanOptions { Terms = new Dpo().Memory, BatchSize = 4, MaxLength = half });
        var device = Gib((atLongest.TotalBytes + atHalf.TotalBytes) / 2);

        var (code, stdout, err) = CliRunner.Run("plan", "--model", model, "--stage", "dpo", "--batch-size", "4", "--max-length", "256",
            "--device-memory", device, "--data", data);
        Assert.True(code == PlanCommand.DoesNotFitExitCode, err + stdout);
        Assert.Contains($"data: 12 rows, longest {longest} tokens after truncation at --max-length 256", stdout);
        Assert.Contains($"--max-length {half} ({MemoryPlan.GiB(atHalf.TotalBytes)}, cuts 1 of 12 rows)", stdout);
    }

    [Fact]
    public void Preflight_plans_a_stage_at_its_datas_lengths()
    {
        var model = StageFixtures.TinyQwen3WithTokenizer();
        var data = StageFixtures.TextPairs();
        var config = ModelConfig.Load(Path.Combine(model, "config.json"));
        int longest = LongestPair(model, data, config.MaxPositionEmbeddings);
        var padded = MemoryPlan.For(config, new MemoryPlanOptions { Terms = new Dpo().Memory, BatchSize = 4, MaxLength = config.MaxPositionEmbeddings });
        var actual = MemoryPlan.For(config, new MemoryPlanOptions { Terms = new Dpo().Memory, BatchSize = 4, MaxLength = longest });
        Stage StageWith(long device) => new()
        {
            Name = "dpo", Algorithm = new Dpo(), DataPath = data, MaxLength = config.MaxPositionEmbeddings,
            Training = new TrainerOptions { MaxSteps = 1, BatchSize = 4 }, Policy = new PolicyOptions { DeviceMemoryBytes = device },
        };

        StagePreflight.Check(StageWith((padded.TotalBytes + actual.TotalBytes) / 2), model);   // fits at the data's lengths
        var e = Assert.Throws<MemoryPlanException>(() => StagePreflight.Check(StageWith(actual.TotalBytes - 1), model));
        Assert.Equal(actual.TotalBytes, e.Plan.TotalBytes);
    }
}
