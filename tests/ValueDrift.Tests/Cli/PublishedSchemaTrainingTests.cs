using System.Text.Json;
using ValueDrift.Models;
using ValueDrift.Text;
using Xunit;

namespace ValueDrift.Tests.Cli;

/// <summary>
/// Files in each published schema train through the CLI on a model folder with Qwen3's real tokenizer and chat
/// template (a tiny randomly initialised Qwen3 sized to that vocabulary): SFT on WildChat-1M (multi-turn), ShareGPT
/// and Alpaca rows, DPO on HH-RLHF transcripts and UltraFeedback-binarized chats.
/// </summary>
public class PublishedSchemaTrainingTests
{
    private static readonly Lazy<string> Model = new(() =>
    {
        var dir = Fixtures.SharedTempDir("qwen3-tokenizer-model");
        var tokenizer = TokenizerLoader.FromFolder(Fixtures.Qwen3Tokenizer);
        var config = Training.TrainingData.TinyConfig(tokenizer.VocabSize) with
        {
            ModelType = "qwen3", HiddenSize = 16, IntermediateSize = 32, NumAttentionHeads = 2, NumKeyValueHeads = 1, HeadDim = 8,
            EosTokenIds = [tokenizer.EosId!.Value], PadTokenId = tokenizer.PadId, MaxPositionEmbeddings = 4096,
        };
        using (var model = CausalLM.Create(config, seed: 2)) model.SavePretrained(dir);
        foreach (var f in new[] { "tokenizer.json", "tokenizer_config.json" })
            File.Copy(Path.Combine(Fixtures.Qwen3Tokenizer, f), Path.Combine(dir, f));
        return dir;
    });

    [Theory]
    [InlineData("sft", "wildchat.parquet")]
    [InlineData("sft", "sharegpt.json")]
    [InlineData("sft", "alpaca.jsonl")]
    [InlineData("dpo", "hh-rlhf.jsonl")]
    [InlineData("dpo", "ultrafeedback.parquet")]
    public void Trains_on_the_published_schema(string stage, string file)
    {
        var run = Fixtures.TempDir("schema-run");
        var (code, _, stderr) = CliRunner.Run("train", stage, "--model", Model.Value, "--data", Fixtures.DataFile(file), "--out", run,
            "--steps", "2", "--batch-size", "2", "--lr", "1e-4", "--seed", "1");
        Assert.True(code == 0, stderr);
        var metrics = File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(2, metrics.Count);
        Assert.All(metrics, m => Assert.True(double.IsFinite(m.GetProperty("loss").GetDouble())));
    }
}
