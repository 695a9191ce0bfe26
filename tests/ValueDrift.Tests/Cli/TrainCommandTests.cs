using System.Text.Json;
using ValueDrift.Models;
using ValueDrift.Text;
using ValueDrift.Training;
using ValueDrift.Training.Objectives;
using ValueDrift.Training.Ppo;
using ValueDrift.Tests.Experiments;
using Xunit;

namespace ValueDrift.Tests.Cli;

public class TrainCommandTests
{
    private static string TinyModelFolder() => StageFixtures.TinyModelFolder();
    private static string Write(string name, params string[] lines) => StageFixtures.Write(name, lines);
    private static string Conversations() => StageFixtures.Conversations();
    private static string TextPairs() => StageFixtures.TextPairs();

    private static string IdPairs() => Write("ids.jsonl", Enumerable.Range(0, 12).Select(i =>
        $"{{\"prompt_ids\": [{10 + i}, 11], \"chosen_ids\": [{20 + i}, 2], \"rejected_ids\": [40, 41, 2]}}").ToArray());

    private static string[] Metrics(string run) => File.ReadAllLines(Path.Combine(run, "metrics.jsonl"));

    [Theory]
    [InlineData("sft", "text")]
    [InlineData("sft", "ids")]
    [InlineData("dpo", "text")]
    [InlineData("simpo", "ids")]
    public void TrainsAndWritesTheRunFolder(string stage, string rows)
    {
        var model = TinyModelFolder();
        var data = stage == "sft" && rows == "text" ? Conversations() : rows == "text" ? TextPairs() : IdPairs();
        var run = Fixtures.TempDir("cli-run");
        var (code, stdout, stderr) = CliRunner.Run("train", stage, "--model", model, "--data", data, "--out", run, "--steps", "3", "--batch-size", "4",
            "--lr", "1e-3", "--checkpoint-every", "2", "--schedule", "cosine", "--seed", "5");
        Assert.True(code == 0, stderr);
        Assert.Equal(3, Metrics(run).Length);
        foreach (var step in new[] { 2, 3 })
            Assert.True(File.Exists(Path.Combine(TrainingCheckpoint.FolderFor(run, step), "model.safetensors")), $"step-{step}");
        Assert.True(File.Exists(Path.Combine(TrainingCheckpoint.FolderFor(run, 3), "tokenizer.json")), "tokenizer copied into the checkpoint");
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "stage.json")));
        var definition = manifest.RootElement.GetProperty("definition");
        Assert.Equal(stage, definition.GetProperty("algorithm").GetProperty("name").GetString());
        Assert.Equal("cosine", definition.GetProperty("training").GetProperty("decay").GetString());
        using var summary = JsonDocument.Parse(stdout);
        Assert.Equal(3, summary.RootElement.GetProperty("step").GetInt32());
        Assert.True(summary.RootElement.GetProperty("metrics").GetProperty("loss").GetDouble() > 0);
        Assert.Contains($"{stage} step 3/3", stderr);
    }

    [Fact]
    public void ResumeContinuesFromTheNewestCheckpoint()
    {
        var model = TinyModelFolder();
        var data = TextPairs();
        var run = Fixtures.TempDir("cli-resume");
        string[] Args(int steps, params string[] more) => ["train", "dpo", "--model", model, "--data", data, "--out", run, "--steps", steps.ToString(), "--batch-size", "4", "--lr", "1e-3", "--checkpoint-every", "1", "--schedule", "constant", .. more];
        var first = CliRunner.Run(Args(2));
        Assert.True(first.Code == 0, first.Err);
        var before = Metrics(run);

        var second = CliRunner.Run(Args(4, "--resume"));
        Assert.True(second.Code == 0, second.Err);
        var after = Metrics(run);
        Assert.Equal(4, after.Length);
        Assert.Equal(before, after.Take(2));                       // steps 1–2 were kept, not retrained
        Assert.True(Directory.Exists(TrainingCheckpoint.FolderFor(run, 4)));

        // The same four steps without interruption give the same step 3 and 4 losses: the run really continued.
        var straight = Fixtures.TempDir("cli-straight");
        var third = CliRunner.Run(["train", "dpo", "--model", model, "--data", data, "--out", straight, "--steps", "4", "--batch-size", "4", "--lr", "1e-3", "--schedule", "constant"]);
        Assert.True(third.Code == 0, third.Err);
        double Loss(string line) => JsonDocument.Parse(line).RootElement.GetProperty("loss").GetDouble();
        Assert.Equal(Metrics(straight).Select(Loss), after.Select(Loss));
    }

    [Fact]
    public void BadDataExitsWithTwoNamingFileRowAndField()
    {
        var model = TinyModelFolder();
        var data = Write("broken.jsonl", "{\"prompt\": \"a\", \"chosen\": \"b\", \"rejected\": \"c\"}", "{\"prompt\": \"a\", \"chosen\": \"b\"}");
        var (code, _, stderr) = CliRunner.Run("train", "dpo", "--model", model, "--data", data, "--out", Fixtures.TempDir("cli-bad"), "--steps", "1");
        Assert.Equal(2, code);
        Assert.Contains("broken.jsonl", stderr);
        Assert.Contains("row 2", stderr);
        Assert.Contains("'rejected'", stderr);

        var outOfVocab = Write("vocab.jsonl", "{\"prompt_ids\": [1], \"chosen_ids\": [5000], \"rejected_ids\": [3]}");
        (code, _, stderr) = CliRunner.Run("train", "simpo", "--model", model, "--data", outOfVocab, "--out", Fixtures.TempDir("cli-bad"), "--steps", "1");
        Assert.Equal(2, code);
        Assert.Contains("vocab.jsonl: row 1: field 'chosen_ids'", stderr);

        (code, _, stderr) = CliRunner.Run("train", "sft", "--model", model, "--data", "no-such-file.jsonl", "--out", Fixtures.TempDir("cli-bad"), "--steps", "1");
        Assert.Equal(2, code);
        Assert.Contains("no-such-file.jsonl", stderr);

        // With --skip-bad-rows the good row trains and the bad one is reported.
        (code, _, stderr) = CliRunner.Run("train", "dpo", "--model", model, "--data", data, "--out", Fixtures.TempDir("cli-skip"), "--steps", "1", "--skip-bad-rows");
        Assert.True(code == 0, stderr);
        Assert.Contains("skipped 1 bad row", stderr);
    }

    [Fact]
    public void RewardModelThenPpo()
    {
        var model = TinyModelFolder();
        var data = IdPairs();
        var rewardRun = Fixtures.TempDir("cli-reward");
        var r = CliRunner.Run("train", "reward", "--model", model, "--data", data, "--out", rewardRun, "--steps", "2", "--batch-size", "4", "--lr", "1e-3");
        Assert.True(r.Code == 0, r.Err);
        var rewardDir = TrainingCheckpoint.FolderFor(rewardRun, 2);
        Assert.Contains("ForSequenceClassification", File.ReadAllText(Path.Combine(rewardDir, "config.json")));   // transformers' own form

        var missingHead = CliRunner.Run("train", "ppo", "--model", model, "--data", data, "--out", Fixtures.TempDir("cli-ppo"), "--reward-model", model, "--steps", "1");
        Assert.Equal(2, missingHead.Code);
        Assert.Contains(RewardModel.HeadFile, missingHead.Err);

        var ppoRun = Fixtures.TempDir("cli-ppo");
        var p = CliRunner.Run("train", "ppo", "--model", model, "--data", data, "--out", ppoRun, "--reward-model", rewardDir, "--steps", "2",
            "--batch-size", "4", "--response-length", "4", "--lr", "1e-4", "--kl-coef", "0.1", "--target-kl", "0.02");
        Assert.True(p.Code == 0, p.Err);
        var ckpt = TrainingCheckpoint.FolderFor(ppoRun, 2);
        Assert.Contains("ForSequenceClassification", File.ReadAllText(Path.Combine(ckpt, PpoStep.ValueModelFolder, "config.json")));
        var last = JsonDocument.Parse(Metrics(ppoRun)[^1]).RootElement;
        foreach (var k in new[] { "objective/kl", "objective/scores", "loss/policy_avg", "loss/value_avg", "lr", "policy/updates", "policy/early_stopped" }) Assert.True(last.TryGetProperty(k, out _), k);
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(ppoRun, "stage.json")));
        Assert.Equal(0.1, manifest.RootElement.GetProperty("definition").GetProperty("algorithm").GetProperty("options").GetProperty("kl_coef").GetDouble());
        Assert.Equal(0.02, manifest.RootElement.GetProperty("definition").GetProperty("algorithm").GetProperty("options").GetProperty("target_kl").GetDouble());
    }
}
