using System.Text.Json;
using System.Text.Json.Nodes;
using ValueDrift.Tests.Training;
using ValueDrift.Training.Algorithms;
using Xunit;

namespace ValueDrift.Tests.Cli;

[Trait("tier", "fast")]
public class RewardsCommandTests
{
    private static string WritePairs(ObjectivesFixture f)
    {
        var file = Path.Combine(Fixtures.TempDir("rewards-cli"), "pairs.jsonl");
        File.WriteAllLines(file, f.Examples.Select(e => new JsonObject
        {
            ["prompt_ids"] = new JsonArray(e.Prompt.Select(x => (JsonNode)x).ToArray()),
            ["chosen_ids"] = new JsonArray(e.Chosen.Select(x => (JsonNode)x).ToArray()),
            ["rejected_ids"] = new JsonArray(e.Rejected.Select(x => (JsonNode)x).ToArray()),
        }.ToJsonString()));
        return file;
    }

    [Fact]
    public void ScoresEveryPairLikeTheReferenceComputation()
    {
        var f = ObjectivesFixture.Load();
        var (code, stdout, stderr) = CliRunner.Run("rewards", "--policy", Fixtures.TinyQwen3, "--reference", Fixtures.TinyQwen3Reference, "--data", WritePairs(f),
            "--beta", "0.1", "--simpo-beta", "2", "--simpo-gamma", "1", "--batch-size", "2");   // 2: pairs of one batch and a second batch
        Assert.True(code == 0, stderr);
        Assert.Equal((0.1, 2.0, 1.0), (f.DpoBeta, f.SimPoBeta, f.SimPoGamma));
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(f.Examples.Length, lines.Length);
        for (int i = 0; i < lines.Length; i++)
        {
            using var doc = JsonDocument.Parse(lines[i]);
            var row = doc.RootElement;
            var e = f.Examples[i];
            void Check(string key, double expected)
            {
                double actual = row.GetProperty(key).GetDouble();
                Assert.True(Math.Abs(actual - expected) <= 1e-4 * Math.Abs(expected) + 1e-9, $"pair {i} {key}: {actual} vs {expected}");
            }
            Check("chosen_logp", e.ChosenSide.Sum);
            Check("rejected_logp", e.RejectedSide.Sum);
            Check("chosen_ref_logp", e.ChosenSide.ReferenceSum);
            Check("rejected_ref_logp", e.RejectedSide.ReferenceSum);
            Check("chosen_mean_logp", e.ChosenSide.Mean);
            Check("rejected_mean_logp", e.RejectedSide.Mean);
            Check("reward_chosen", e.RewardChosen);
            Check("reward_rejected", e.RewardRejected);
            Check("dpo_loss", e.Dpo);
            Check("simpo_loss", e.SimPo);
            // Eight scores, then one NAME_loss per method the registry defines by a pairwise loss.
            var losses = AlgorithmRegistry.All.Where(a => a.PairLoss is not null).Select(a => $"{a.Name}_loss").ToList();
            Assert.Equal(8 + losses.Count, row.EnumerateObject().Count());
            foreach (var key in losses) Assert.True(double.IsFinite(row.GetProperty(key).GetDouble()), key);
        }
    }

    [Fact]
    public void TextRowsWithoutATokenizerAreADataError()
    {
        var file = Path.Combine(Fixtures.TempDir("rewards-text"), "pairs.jsonl");
        File.WriteAllText(file, "{\"prompt\": \"Q\", \"chosen\": \"yes\", \"rejected\": \"no\"}\n");
        var (code, _, stderr) = CliRunner.Run("rewards", "--policy", Fixtures.TinyQwen3, "--reference", Fixtures.TinyQwen3Reference, "--data", file);
        Assert.Equal(2, code);
        Assert.Contains("pairs.jsonl: row 1: field 'prompt'", stderr);
        Assert.Contains("tokenizer", stderr);
    }
}
