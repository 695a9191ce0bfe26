using System.Diagnostics;
using System.Text.RegularExpressions;
using ValueDrift.Errors;
using ValueDrift.Models;
using Xunit;

namespace ValueDrift.Tests.Reliability;

/// <summary>
/// A config.json is a set of length fields too: dimensions that the weights file cannot fill must be rejected before
/// the model is built, or a one-line edit makes loading allocate (and initialise) gigabytes of native memory.
/// </summary>
[Collection(RunsAlone.Name)]
[Trait("tier", "fast")]
public class ConfigSizeLieTests
{
    [Theory]
    [InlineData("vocab_size", 2_000_000)]          // embedding 2e6 × 64 floats = 512 MB
    [InlineData("intermediate_size", 1_000_000)]   // 2 layers × 3 × 64 × 1e6 floats = 1.5 GB
    public void Config_dimensions_the_weights_cannot_fill_are_rejected_before_allocating(string field, int value)
    {
        var dir = Fixtures.TempDir("config-lie");
        File.Copy(Path.Combine(Fixtures.TinyQwen3, "model.safetensors"), Path.Combine(dir, "model.safetensors"));
        var config = File.ReadAllText(Path.Combine(Fixtures.TinyQwen3, "config.json"));
        File.WriteAllText(Path.Combine(dir, "config.json"), Regex.Replace(config, $"\"{field}\": \\d+", $"\"{field}\": {value}"));

        long peakGrowth = PeakGrowth(() =>
        {
            var e = Assert.Throws<CheckpointException>(() => CausalLM.FromPretrained(dir));
            Assert.Contains("config.json", e.Message);
        });
        Assert.True(peakGrowth < 200L << 20, $"loading grew the process's peak memory by {peakGrowth >> 20} MB before rejecting");
    }

    [Fact]
    public void The_true_config_still_loads()
    {
        using var m = CausalLM.FromPretrained(Fixtures.TinyQwen3);
        Assert.Equal(101, m.Config.VocabSize);
    }

    /// <summary>Growth of the peak resident set (VmHWM) while <paramref name="action"/> runs; the peak is reset first.</summary>
    private static long PeakGrowth(Action action)
    {
        GC.Collect();
        File.WriteAllText("/proc/self/clear_refs", "5");   // resets VmHWM to the current resident size
        long before = ReadKb("VmRSS");
        action();
        return (ReadKb("VmHWM") - before) * 1024;
    }

    private static long ReadKb(string field) =>
        long.Parse(File.ReadLines("/proc/self/status").First(l => l.StartsWith(field + ":"))[(field.Length + 1)..].Trim().Split(' ')[0]);
}
