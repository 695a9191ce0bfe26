using TorchSharp;
using ValueDrift.Errors;
using ValueDrift.Models;
using Xunit;
using static TorchSharp.torch;

namespace ValueDrift.Tests.Models;

[Trait("tier", "fast")]
public class CheckpointTests
{
    private static Dictionary<string, byte[]> RawBytes(CausalLM m) =>
        m.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().cpu().bytes.ToArray());

    [Theory]
    [InlineData("tiny-llama3", ScalarType.Float32)]
    [InlineData("tiny-qwen3", ScalarType.Float32)]
    [InlineData("tiny-llama3", ScalarType.BFloat16)]
    [InlineData("tiny-qwen3", ScalarType.BFloat16)]
    public void SaveThenLoadIsBitExact(string fixture, ScalarType dtype)
    {
        using var model = CausalLM.FromPretrained(Fixtures.In(fixture), dtype);
        var dir = Fixtures.TempDir("save-" + fixture);
        model.SavePretrained(dir);
        using var back = CausalLM.FromPretrained(dir, dtype);
        var a = RawBytes(model); var b = RawBytes(back);
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        foreach (var k in a.Keys) Assert.True(a[k].AsSpan().SequenceEqual(b[k]), $"{k} differs after round trip");
        Assert.Equal((model.Config with { TorchDtype = "" }).ToJson().ToJsonString(), (back.Config with { TorchDtype = "" }).ToJson().ToJsonString());
    }

    [Fact]
    public void ShardedSaveLoadsBackBitExactWithIndex()
    {
        using var model = CausalLM.FromPretrained(Fixtures.TinyLlama3);
        var dir = Fixtures.TempDir("sharded");
        model.SavePretrained(dir, maxShardBytes: 40_000);
        Assert.True(File.Exists(Path.Combine(dir, Checkpoint.IndexFile)));
        Assert.True(Directory.GetFiles(dir, "model-*-of-*.safetensors").Length > 1);
        Assert.False(File.Exists(Path.Combine(dir, Checkpoint.SingleFile)));
        using var back = CausalLM.FromPretrained(dir);
        var a = RawBytes(model); var b = RawBytes(back);
        foreach (var k in a.Keys) Assert.True(a[k].AsSpan().SequenceEqual(b[k]), k);
    }

    [Theory]
    [InlineData("tiny-llama3")]
    [InlineData("tiny-qwen3")]
    public void Bf16CopyComputesLogitsCloseToFloat32(string fixture)
    {
        var reference = ReferenceLogits.Load(Fixtures.In(fixture));
        using var f32 = CausalLM.FromPretrained(Fixtures.In(fixture));
        var dir = Fixtures.TempDir("bf16");
        f32.SavePretrained(dir, ScalarType.BFloat16);
        using var bf16 = CausalLM.FromPretrained(dir, ScalarType.BFloat16);
        Assert.Equal(ScalarType.BFloat16, bf16.DType);
        using var ids = tensor(reference.InputIds[0]).unsqueeze(0);
        using var a = f32.Forward(ids);
        using var b = bf16.Forward(ids);
        // bf16 keeps 8 mantissa bits: relative error per weight ~0.4%; logits here have magnitude ~10-30.
        double scale = a.abs().max().item<float>();
        double diff = (a - b).abs().max().item<float>();
        Assert.True(diff < 0.05 * scale, $"bf16 logits differ by {diff} (scale {scale})");
        Assert.True(diff > 0, "bf16 copy should not be bit-identical to float32");
        // and the argmax agrees on most positions
        double agree = a.argmax(-1).eq(b.argmax(-1)).to(ScalarType.Float32).mean().item<float>();
        Assert.True(agree >= 0.8, $"argmax agreement {agree}");
    }

    [Fact]
    public void ConfigThatDoesNotMatchWeightsNamesTheTensor()
    {
        var dir = Fixtures.TempDir("mismatch");
        File.Copy(Path.Combine(Fixtures.TinyQwen3, "model.safetensors"), Path.Combine(dir, "model.safetensors"));
        File.WriteAllText(Path.Combine(dir, "config.json"), File.ReadAllText(Path.Combine(Fixtures.TinyQwen3, "config.json")).Replace("\"intermediate_size\": 160", "\"intermediate_size\": 128"));
        var e = Assert.Throws<CheckpointException>(() => CausalLM.FromPretrained(dir));
        Assert.Contains("mlp", e.Tensor);
        Assert.Contains("model.safetensors", e.Message);
    }

    [Fact]
    public void MissingAndUnexpectedTensorsAreNamed()
    {
        using var model = CausalLM.FromPretrained(Fixtures.TinyLlama3);
        var dir = Fixtures.TempDir("missing");
        var all = model.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).ToList();
        ModelConfig.Load(Fixtures.TinyLlama3).Save(Path.Combine(dir, "config.json"));
        SafetensorsFile.Write(Path.Combine(dir, "model.safetensors"), all.Where(p => p.name != "model.norm.weight"));
        var missing = Assert.Throws<CheckpointException>(() => CausalLM.FromPretrained(dir));
        Assert.Equal("model.norm.weight", missing.Tensor);

        SafetensorsFile.Write(Path.Combine(dir, "model.safetensors"), all.Append(("model.extra.weight", ones(3))));
        var extra = Assert.Throws<CheckpointException>(() => CausalLM.FromPretrained(dir));
        Assert.Equal("model.extra.weight", extra.Tensor);
    }

    [Fact]
    public void PickledWeightsAreRefusedWithConversionAdvice()
    {
        var dir = Fixtures.TempDir("pickle");
        File.Copy(Path.Combine(Fixtures.TinyQwen3, "config.json"), Path.Combine(dir, "config.json"));
        File.WriteAllBytes(Path.Combine(dir, "pytorch_model.bin"), [0x80, 0x02, (byte)'c', (byte)'o', (byte)'s']);
        var e = Assert.Throws<CheckpointException>(() => CausalLM.FromPretrained(dir));
        Assert.Contains("pytorch_model.bin", e.Message);
        Assert.Contains("safetensors", e.Message);
    }

    [Theory]
    [InlineData("{\"model_type\": \"gpt2\", \"vocab_size\": 10}", "model_type")]
    [InlineData("{\"model_type\": \"llama\", \"vocab_size\": 10, \"hidden_size\": 8, \"intermediate_size\": 16, \"num_hidden_layers\": 1, \"num_attention_heads\": 2, \"rope_scaling\": {\"rope_type\": \"yarn\", \"factor\": 4}}", "rope_scaling.rope_type")]
    [InlineData("{\"model_type\": \"llama\", \"vocab_size\": \"ten\", \"hidden_size\": 8, \"intermediate_size\": 16, \"num_hidden_layers\": 1, \"num_attention_heads\": 2}", "vocab_size")]
    [InlineData("{\"model_type\": \"llama\", \"vocab_size\": 10, \"hidden_size\": 8, \"intermediate_size\": 16, \"num_hidden_layers\": 1, \"num_attention_heads\": 4, \"num_key_value_heads\": 3}", "num_key_value_heads")]
    public void BadConfigNamesTheField(string json, string field)
    {
        var dir = Fixtures.TempDir("badconfig");
        File.WriteAllText(Path.Combine(dir, "config.json"), json);
        var e = Assert.Throws<ConfigException>(() => ModelConfig.Load(dir));
        Assert.Equal(field, e.Field);
        Assert.Contains("config.json", e.Message);
    }

    [Fact]
    public void ConfigAcceptsRopeParametersAndEosLists()
    {
        var dir = Fixtures.TempDir("ropeparams");
        File.WriteAllText(Path.Combine(dir, "config.json"), """
            {"model_type": "llama", "vocab_size": 10, "hidden_size": 8, "intermediate_size": 16, "num_hidden_layers": 1,
             "num_attention_heads": 2, "eos_token_id": [5, 7], "bos_token_id": 1,
             "rope_parameters": {"rope_type": "llama3", "rope_theta": 500000.0, "factor": 8.0, "low_freq_factor": 1.0,
                                 "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}}
            """);
        var c = ModelConfig.Load(dir);
        Assert.Equal(500000.0, c.RopeTheta);
        Assert.Equal(8.0, c.RopeScaling!.Factor);
        Assert.Equal([5, 7], c.EosTokenIds);
        Assert.Equal(4, c.HeadDim);
    }
}
