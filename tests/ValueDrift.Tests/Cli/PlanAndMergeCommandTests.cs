using System.Text.Json;
using ValueDrift.Cli.Commands;
using ValueDrift.Models;
using ValueDrift.Training.Algorithms;
using ValueDrift.Tests.Models;
using Xunit;
using static TorchSharp.torch;

namespace ValueDrift.Tests.Cli;

[Trait("tier", "fast")]
public class PlanAndMergeCommandTests
{
    [Fact]
    public void PlanPrintsTheFormulaNumbersAsJson()
    {
        var (code, stdout, stderr) = CliRunner.Run("plan", "--model", MemoryPlanTests.Llama3_8B, "--stage", "dpo", "--batch-size", "1",
            "--max-length", "1024", "--device-memory", "139", "--format", "json");
        Assert.True(code == PlanCommand.DoesNotFitExitCode, stderr);   // does not fit: printed, and said by the exit code
        using var doc = JsonDocument.Parse(stdout);
        var r = doc.RootElement;
        Assert.Equal(8_030_261_248, r.GetProperty("parameters").GetInt64());
        var expected = MemoryPlan.For(ModelConfig.Load(MemoryPlanTests.Llama3_8B), new MemoryPlanOptions { Terms = new Dpo().Memory, BatchSize = 1, MaxLength = 1024 });
        Assert.Equal(expected.TotalBytes, r.GetProperty("total_bytes").GetInt64());
        Assert.Equal(expected.ActivationsBytes, r.GetProperty("activations_bytes").GetInt64());
        Assert.False(r.GetProperty("fits").GetBoolean());
        Assert.Contains("--lora-rank 8", r.GetProperty("refusal").GetString());
        Assert.Contains("--max-length 512", r.GetProperty("refusal").GetString());   // 1024 → 512 fits as configured
    }

    [Fact]
    public void PlanOfALoraRunFitsAndSaysSo()
    {
        var (code, stdout, stderr) = CliRunner.Run("plan", "--model", MemoryPlanTests.Llama3_8B, "--stage", "sft", "--batch-size", "4",
            "--max-length", "512", "--lora-rank", "16", "--dtype", "bf16", "--gradient-checkpointing", "--device-memory", "80");
        Assert.True(code == 0, stderr);
        Assert.Contains("8,030,261,248", stdout);
        Assert.Contains("LoRA r=16", stdout);
        Assert.EndsWith("fits", stdout.Trim());
    }

    [Theory]
    [InlineData("--stage", "rlhf", "stage")]
    [InlineData("--dtype", "int8", "dtype")]
    [InlineData("--lora-rank", "0", "'r'")]
    [InlineData("--lora-targets", "q_proj,wq", "wq")]
    public void PlanRefusesBadOptions(string option, string value, string named)
    {
        string[] args = ["plan", "--model", MemoryPlanTests.Llama3_8B, "--device-memory", "80", option, value];
        if (option == "--lora-targets") args = [.. args, "--lora-rank", "8"];
        var (code, _, stderr) = CliRunner.Run(args);
        Assert.Equal(2, code);
        Assert.Contains(named, stderr);
    }

    [Fact]
    public void MergeFoldsTheAdapterExactlyAndCopiesTheTokenizer()
    {
        var baseDir = Fixtures.TempDir("merge-base");
        using (var b = CausalLM.FromPretrained(Fixtures.TinyQwen3)) b.SavePretrained(baseDir, ScalarType.BFloat16);
        File.WriteAllText(Path.Combine(baseDir, "tokenizer_config.json"), "{\"chat_template\": \"x\"}");
        using var m = CausalLM.FromPretrained(baseDir);
        Assert.Equal(ScalarType.BFloat16, m.SourceDType);
        m.AddLora(new LoraConfig { Rank = 4, Alpha = 16, Targets = ["q_proj", "down_proj"] }, 1);
        using (no_grad())
        {
            using var g = new TorchSharp.torch.Generator(3);
            foreach (var (name, w) in m.named_parameters()) if (name.EndsWith("lora_B.weight")) w.normal_(0, 0.1, g);
        }
        var adapter = Fixtures.TempDir("merge-adapter");
        m.SaveAdapter(adapter);
        var outDir = Fixtures.TempDir("merged");

        var (code, _, stderr) = CliRunner.Run("merge", "--adapter", adapter, "--out", outDir, "--save-dtype", "fp32");
        Assert.True(code == 0, stderr);
        Assert.True(File.Exists(Path.Combine(outDir, "tokenizer_config.json")));
        var weights = SafetensorsFile.Open(Path.Combine(outDir, "model.safetensors"));
        Assert.DoesNotContain(weights.Entries.Keys, k => k.Contains("lora"));
        var p = m.named_parameters().ToDictionary(x => x.name, x => x.parameter);
        using var expected = p["model.layers.1.mlp.down_proj.weight"].detach() + 4.0 * p["model.layers.1.mlp.down_proj.lora_B.weight"].detach().matmul(p["model.layers.1.mlp.down_proj.lora_A.weight"].detach());
        using var merged = weights.Read("model.layers.1.mlp.down_proj.weight");
        Assert.True((merged - expected).abs().max().item<float>() < 1e-6);
        using var untouched = weights.Read("model.layers.1.mlp.up_proj.weight");
        Assert.Equal(0f, (untouched - p["model.layers.1.mlp.up_proj.weight"].detach()).abs().max().item<float>());

        // Default dtype: the base checkpoint's (bf16 here).
        var outBf16 = Fixtures.TempDir("merged-bf16");
        Assert.Equal(0, CliRunner.Run("merge", "--base", baseDir, "--adapter", adapter, "--out", outBf16).Code);
        Assert.Equal("BF16", SafetensorsFile.Open(Path.Combine(outBf16, "model.safetensors")).Entries["model.norm.weight"].DType);
    }

    [Fact]
    public void MergeRefusesAnAdapterOfAnotherBaseAndWritesNothing()
    {
        using var llama = CausalLM.FromPretrained(Fixtures.TinyLlama3);
        llama.AddLora(new LoraConfig(), 0);
        var adapter = Fixtures.TempDir("merge-llama-adapter");
        llama.SaveAdapter(adapter);
        var outDir = Path.Combine(Fixtures.TempDir("merge-refused"), "out");
        var (code, _, stderr) = CliRunner.Run("merge", "--base", Fixtures.TinyQwen3, "--adapter", adapter, "--out", outDir);
        Assert.Equal(2, code);
        Assert.Contains("adapter_model.safetensors", stderr);
        Assert.False(Directory.Exists(outDir));
    }
}
