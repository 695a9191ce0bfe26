using System.Text.Json;
using System.Text.Json.Nodes;
using ValueDrift.Models;
using ValueDrift.Tests.Experiments;
using Xunit;

namespace ValueDrift.Tests.Cli;

/// <summary>
/// <c>--base</c> on the commands that load a model: an adapter folder whose adapter_config.json names a hub id loads
/// onto the base given, and without it the error names the field and the option.
/// </summary>
public class AdapterBaseOptionTests
{
    /// <summary>A LoRA adapter of the tiny Qwen3 (with its tokenizer) whose config names a hub id, as downloaded adapters do.</summary>
    private static (string Base, string Adapter) HubAdapter()
    {
        var baseDir = StageFixtures.TinyQwen3WithTokenizer();
        using var m = CausalLM.FromPretrained(baseDir);
        m.AddLora(new LoraConfig { Rank = 2, Alpha = 4, Targets = ["q_proj", "v_proj"] }, 5);
        using (TorchSharp.torch.no_grad())
        {
            using var g = new TorchSharp.torch.Generator(7);
            foreach (var (name, w) in m.named_parameters()) if (name.EndsWith("lora_B.weight")) w.normal_(0, 0.1, g);
        }
        var adapter = Fixtures.TempDir("hub-adapter");
        m.SaveAdapter(adapter);
        var configPath = Path.Combine(adapter, LoraAdapter.ConfigFile);
        var config = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        config["base_model_name_or_path"] = "example-org/tiny-qwen3";
        File.WriteAllText(configPath, config.ToJsonString());
        return (baseDir, adapter);
    }

    [Fact]
    [Trait("tier", "fast")]
    public void LogitsOfAHubAdapterNeedBaseAndEqualTheAdapterOnThatBase()
    {
        var (baseDir, adapter) = HubAdapter();
        var refused = CliRunner.Run("logits", "--model", adapter, "--ids", "1,2,3");
        Assert.Equal(2, refused.Code);
        Assert.Contains("base_model_name_or_path", refused.Err);
        Assert.Contains("--base", refused.Err);

        var (code, stdout, stderr) = CliRunner.Run("logits", "--model", adapter, "--base", baseDir, "--ids", "1,2,3");
        Assert.True(code == 0, stderr);
        using var expectedModel = CausalLM.FromPretrained(adapter, baseDir: baseDir);
        using var _ = TorchSharp.torch.no_grad();
        using var logits = expectedModel.Forward(TorchSharp.torch.tensor(new long[] { 1, 2, 3 }).unsqueeze(0))[0];
        var expected = logits.data<float>().ToArray();
        var printed = JsonDocument.Parse(stdout).RootElement.GetProperty("logits").EnumerateArray().SelectMany(row => row.EnumerateArray()).Select(v => v.GetSingle()).ToArray();
        Assert.Equal(expected.Length, printed.Length);
        Assert.True(expected.Zip(printed).Max(p => Math.Abs(p.First - p.Second)) < 1e-5);

        var (_, plainOut, _) = CliRunner.Run("logits", "--model", baseDir, "--ids", "1,2,3");
        Assert.NotEqual(plainOut, stdout);   // the adapter is on: B ≠ 0
    }

    [Fact]
    [Trait("tier", "fast")]
    public void ABaseThatDoesNotExistIsNamed()
    {
        var (_, adapter) = HubAdapter();
        var missing = Path.Combine(Fixtures.TempDir("no-base"), "absent");
        var (code, _, stderr) = CliRunner.Run("plan", "--model", adapter, "--base", missing, "--device-memory", "80");
        Assert.Equal(2, code);
        Assert.Contains(missing, stderr);
        Assert.Contains("does not exist", stderr);
    }

    [Fact]
    public void ATrainStageStartsFromAHubAdapterOnTheBaseGiven()
    {
        var (baseDir, adapter) = HubAdapter();
        var dir = Path.Combine(Fixtures.TempDir("hub-adapter-stage"), "sft");
        var (code, _, stderr) = CliRunner.Run("train", "sft", "--model", adapter, "--base", baseDir, "--data", StageFixtures.Conversations(),
            "--out", dir, "--steps", "1", "--batch-size", "4");
        Assert.True(code == 0, stderr);
        Assert.True(File.Exists(Path.Combine(dir, "stage.json")));
    }
}
