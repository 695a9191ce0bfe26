using System.Text.Json;
using ValueDrift.Models;
using Xunit;
using static TorchSharp.torch;

namespace ValueDrift.Tests.Models;

/// <summary>
/// Writes checkpoints in every layout we save (Qwen3 F32, Llama-3 sharded F32, Llama-3 BF16) with our own logits of
/// the saved weights into artifacts/hf-compat/, for environment/hf-compat/check_transformers.py to load in Hugging
/// Face transformers (where Python and transformers exist) and compare. Here it checks that the folders reload to
/// the same logits in ValueDrift.
/// </summary>
public class HfCompatibilityExportTests
{
    [Fact]
    public void ExportsCheckpointsWithTheirLogitsForTheTransformersCheck()
    {
        var root = Path.Combine(Fixtures.RepoRoot, "artifacts", "hf-compat");
        Directory.CreateDirectory(root);
        var expected = new Dictionary<string, object>();
        void Export(string name, string fixture, ScalarType dtype, long shard, long[] ids)
        {
            using var model = CausalLM.FromPretrained(Fixtures.In(fixture), dtype);
            var dir = Path.Combine(root, name);
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
            model.SavePretrained(dir, dtype, shard);
            using var back = CausalLM.FromPretrained(dir, dtype);
            using var a = model.Forward(tensor(ids).unsqueeze(0))[0].to(ScalarType.Float64);
            using var b = back.Forward(tensor(ids).unsqueeze(0))[0].to(ScalarType.Float64);
            Assert.Equal(0.0, (a - b).abs().max().item<double>());
            expected[name] = new { ids, dtype = dtype.ToString(), logits = Enumerable.Range(0, ids.Length).Select(t => b[t].data<double>().ToArray()).ToArray() };
        }
        Export("qwen3-f32", "tiny-qwen3", ScalarType.Float32, Checkpoint.DefaultMaxShardBytes, [5, 17, 3, 99, 42, 7, 1]);
        Export("llama3-f32-sharded", "tiny-llama3", ScalarType.Float32, 40_000, [5, 17, 3, 88, 42, 7, 1, 60]);
        Export("llama3-bf16", "tiny-llama3", ScalarType.BFloat16, Checkpoint.DefaultMaxShardBytes, [5, 17, 3, 88, 42, 7]);
        File.WriteAllText(Path.Combine(root, "expected.json"), JsonSerializer.Serialize(expected));
        Assert.True(Directory.GetFiles(Path.Combine(root, "llama3-f32-sharded"), "model-*-of-*.safetensors").Length > 1);
    }
}
