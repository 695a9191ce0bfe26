using System.Text;
using ValueDrift.Errors;
using ValueDrift.Models;
using Xunit;

namespace ValueDrift.Tests.Reliability;

/// <summary>Seeded mutations of the tiny Qwen3 and Llama-3 <c>config.json</c> files, read by <see cref="ModelConfig.Load"/>.</summary>
public class ModelConfigFuzzTests
{
    private static readonly string[] Configs =
        [File.ReadAllText(Path.Combine(Fixtures.TinyQwen3, "config.json")), File.ReadAllText(Path.Combine(Fixtures.TinyLlama3, "config.json"))];

    [Fact]
    public void ModelConfig_Load_ends_in_success_or_a_typed_error()
    {
        var file = Path.Combine(Fixtures.TempDir("fuzz-config"), "config.json");
        var counts = Fuzz.Run("config.json (ModelConfig.Load)", 2000, (rng, i) =>
        {
            var (bytes, what) = Mutations.TextFile(Configs[i % 2], rng, json: true);
            return (bytes, (i % 2 == 0 ? "qwen3 " : "llama ") + what);
        }, bytes =>
        {
            File.WriteAllBytes(file, bytes);
            ModelConfig.Load(file);
        }, maxAllocatedBytes: 8L << 20);
        Assert.True(counts.TypedErrors > counts.Cases / 3, $"only {counts.TypedErrors} of {counts.Cases} mutations were rejected");
        Assert.True(counts.Successes > counts.Cases / 20, $"only {counts.Successes} of {counts.Cases} mutations loaded: the mutator breaks everything");
    }

    [Fact]
    public void Duplicate_keys_are_a_typed_error_naming_the_file()
    {
        var file = Path.Combine(Fixtures.TempDir("config-dup"), "config.json");
        File.WriteAllText(file, Configs[0].Replace("\"hidden_size\": 64,", "\"hidden_size\": 64, \"hidden_size\": 128,"));
        var e = Assert.Throws<ConfigException>(() => ModelConfig.Load(file));
        Assert.Equal(file, e.File);
    }
}
