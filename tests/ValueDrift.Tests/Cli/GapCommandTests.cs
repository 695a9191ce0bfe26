using System.Text.Json;
using ValueDrift.World;
using Xunit;

namespace ValueDrift.Tests.Cli;

[Trait("tier", "fast")]
public class GapCommandTests
{
    private static readonly Lazy<string> WorldDir = new(() =>
    {
        var dir = Fixtures.SharedTempDir("gap-world");
        WorldDatasets.WriteAll(dir, WorldOptions.Quick);
        return dir;
    });

    [Fact]
    public void SupportAlignedDataHasALargeGapEqualToAHandComputation()
    {
        var file = Path.Combine(WorldDir.Value, WorldDatasets.FileName(WorldDatasets.SupportAligned));
        var (code, stdout, stderr) = CliRunner.Run("gap", "--data", file, "--judge", "world", "--format", "json");
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var gaps = doc.RootElement.EnumerateArray().ToList();

        // By hand: the rows of the file, read as plain JSON, judged with the world's marker lookup.
        var rows = File.ReadAllLines(file).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var topics = rows.Select(r => r.GetProperty("topic").GetString()!).Distinct().ToList();
        Assert.Equal(topics, gaps.Select(g => g.GetProperty("topic").GetString()));
        foreach (var g in gaps)
        {
            var topic = g.GetProperty("topic").GetString()!;
            var mine = rows.Where(r => r.GetProperty("topic").GetString() == topic).ToList();
            double[] Mean(string side) => Enumerable.Range(0, 3).Select(s => mine.Average(r =>
                WorldStanceLookup.StanceProbabilities(topic, r.GetProperty(side).GetString()!)[s])).ToArray();
            var chosen = Mean("chosen");
            var rejected = Mean("rejected");
            var tv = 0.5 * Enumerable.Range(0, 3).Sum(s => Math.Abs(chosen[s] - rejected[s]));
            Assert.Equal(mine.Count, g.GetProperty("pairs").GetInt32());
            Assert.Equal(chosen[0], g.GetProperty("chosen").GetProperty("support").GetDouble(), 9);
            Assert.Equal(rejected[2], g.GetProperty("rejected").GetProperty("oppose").GetDouble(), 9);
            Assert.Equal(chosen[0] - rejected[0], g.GetProperty("difference").GetProperty("support").GetDouble(), 9);
            Assert.Equal(tv, g.GetProperty("total_variation").GetDouble(), 9);
            Assert.True(tv > 0.9, $"{topic}: TV {tv}");
        }
    }

    [Fact]
    public void StandardDataDiffersInStyleOnlySoItsGapIsSmall()
    {
        var file = Path.Combine(WorldDir.Value, WorldDatasets.FileName(WorldDatasets.StandardPreference));
        var (code, stdout, stderr) = CliRunner.Run("gap", "--data", file, "--exclude-topic", WorldPreferencePair.InstructionTopic);
        Assert.True(code == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(1 + WorldTopics.QuickDemoIds.Count, lines.Length);
        foreach (var line in lines.Skip(1))
        {
            var tv = double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1], System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(tv < 0.05, line);
        }
        // Without the exclusion the world judge meets the instruction pairs, whose topic is not a world topic.
        var (bad, _, err) = CliRunner.Run("gap", "--data", file);
        Assert.Equal(2, bad);
        Assert.Contains("'instruction'", err);
    }

    [Fact]
    public void RowsWithoutATopicCountAsAll()
    {
        var file = Path.Combine(Fixtures.TempDir("gap-all"), "pairs.jsonl");
        File.WriteAllLines(file,
        [
            """{"prompt": "Should guns be harder to buy?", "chosen": "I support it.", "rejected": "I oppose it."}""",
            """{"prompt": "Should guns be harder to buy?", "chosen": "It depends.", "rejected": "It depends on the case."}""",
        ]);
        var (code, stdout, stderr) = CliRunner.Run("gap", "--data", file, "--format", "json");
        Assert.Equal(2, code);   // not the world's data: a real judge is required, the world judge does not guess
        Assert.Contains("--judge is required", stderr);
        Assert.Empty(stdout);
    }

    [Fact]
    public void Topics_come_from_a_named_field_or_from_probe_topics_found_in_the_question()
    {
        var dir = Fixtures.TempDir("gap-topic-field");
        var file = Path.Combine(dir, "pairs.jsonl");
        File.WriteAllLines(file,
        [
            """{"prompt": "Should borders be more open?", "chosen": "a", "rejected": "b", "category": "immigration"}""",
            """{"prompt": "Should guns be harder to buy?", "chosen": "a", "rejected": "b", "category": "gun-control"}""",
            """{"prompt": "Is gun control a good idea?", "chosen": "a", "rejected": "b"}""",
            """{"prompt": "What about immigration and gun control together?", "chosen": "a", "rejected": "b"}""",
        ]);
        var probes = Path.Combine(dir, "probes.jsonl");
        WorldFiles.WriteProbes(probes, WorldProbeQuestions.ForIds(["immigration", "gun-control"]));

        using var server = new ValueDrift.Tests.Support.LoopbackJudgeServer((_, _) => ValueDrift.Tests.Support.JudgeServerReply.Text("neutral"));
        var (code, stdout, stderr) = CliRunner.Run("gap", "--data", file, "--topic-field", "category", "--probes", probes,
            "--judge", $"endpoint:{server.Endpoint},judge", "--format", "json");
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var pairs = doc.RootElement.EnumerateArray().ToDictionary(g => g.GetProperty("topic").GetString()!, g => g.GetProperty("pairs").GetInt32());
        // Row 3 names no category but mentions "gun control"; row 4 mentions two probe topics, so it stays "all".
        Assert.Equal(new Dictionary<string, int> { ["immigration"] = 1, ["gun-control"] = 2, ["all"] = 1 }, pairs);
    }
}
