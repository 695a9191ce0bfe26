using System.Text.Json.Nodes;
using ValueDrift.Errors;
using ValueDrift.Models;
using ValueDrift.Training.Objectives;
using Xunit;
using static TorchSharp.torch;

namespace ValueDrift.Tests.Training;

/// <summary>Reward models saved and loaded in transformers' sequence-classification form, and the older form still read.</summary>
[Trait("tier", "fast")]
public class RewardModelFormatTests
{
    private static readonly int[][] Prompts = [[3, 4], [9]];
    private static readonly int[][] Responses = [[5, 2], [10, 11, 2]];

    private static ModelConfig Untied(string type) => TrainingData.TinyConfig() with { ModelType = type, TieWordEmbeddings = false };

    [Theory]
    [InlineData("llama", "LlamaForSequenceClassification")]
    [InlineData("qwen3", "Qwen3ForSequenceClassification")]
    public void Saved_as_a_one_label_sequence_classifier_and_read_back(string type, string architecture)
    {
        var dir = Fixtures.TempDir("rm-hf-" + type);
        using var model = RewardModel.Create(Untied(type), seed: 11);
        model.SavePretrained(dir);

        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "config.json")))!.AsObject();
        Assert.Equal(architecture, config["architectures"]![0]!.GetValue<string>());
        Assert.Equal(1, config["num_labels"]!.GetValue<int>());
        Assert.Equal("LABEL_0", config["id2label"]!["0"]!.GetValue<string>());
        Assert.Equal(0, config["pad_token_id"]!.GetValue<int>());
        var weights = SafetensorsFile.Open(Path.Combine(dir, "model.safetensors"));
        Assert.Equal([1L, 32], weights.Entries[RewardModel.HeadTensor].Shape);
        Assert.Contains("model.embed_tokens.weight", weights.Entries.Keys);
        Assert.False(File.Exists(Path.Combine(dir, RewardModel.HeadFile)));

        using var loaded = RewardModel.FromPretrained(dir);
        Assert.Equal(model.Score(Prompts, Responses), loaded.Score(Prompts, Responses));
    }

    [Fact]
    public void A_transformers_classifier_without_an_lm_head_loads_as_a_reward_function()
    {
        var dir = Fixtures.TempDir("rm-public");
        using var model = RewardModel.Create(Untied("llama"), seed: 12);
        model.SavePretrained(dir);
        // What transformers writes for LlamaForSequenceClassification: model.* and score.weight, no lm_head.
        var path = Path.Combine(dir, "model.safetensors");
        var file = SafetensorsFile.Open(path);
        var kept = file.Entries.Keys.Where(n => n != "lm_head.weight").Select(n => (n, file.Read(n))).ToList();
        SafetensorsFile.Write(path, kept);
        foreach (var (_, t) in kept) t.Dispose();

        using var loaded = RewardModel.FromPretrained(dir);
        Assert.Equal(model.Score(Prompts, Responses), loaded.Score(Prompts, Responses));
    }

    [Fact]
    public void The_older_form_with_a_separate_head_file_still_loads()
    {
        var dir = Fixtures.TempDir("rm-old");
        using var model = RewardModel.Create(TrainingData.TinyConfig(), seed: 13);
        model.Backbone.SavePretrained(dir);
        var head = model.named_parameters().Single(p => p.name == "score.weight").parameter;
        SafetensorsFile.Write(Path.Combine(dir, RewardModel.HeadFile), [(RewardModel.HeadTensor, (Tensor)head)]);

        using var loaded = RewardModel.FromPretrained(dir);
        Assert.Equal(model.Score(Prompts, Responses), loaded.Score(Prompts, Responses));
    }

    [Fact]
    public void A_classifier_with_several_labels_is_refused()
    {
        var dir = Fixtures.TempDir("rm-labels");
        using var model = RewardModel.Create(TrainingData.TinyConfig(), seed: 14);
        model.SavePretrained(dir);
        var configFile = Path.Combine(dir, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(configFile))!.AsObject();
        config["num_labels"] = 2;
        File.WriteAllText(configFile, config.ToJsonString());
        var e = Assert.Throws<CheckpointException>(() => RewardModel.FromPretrained(dir));
        Assert.Contains("num_labels is 2", e.Message);
    }
}
