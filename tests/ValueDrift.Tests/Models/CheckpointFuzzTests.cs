using System.Diagnostics;
using System.Text;
using ValueDrift.Errors;
using ValueDrift.Models;
using Xunit;

namespace ValueDrift.Tests.Models;

/// <summary>
/// Seeded mutations of a real checkpoint (truncation, flipped header bytes, lying offsets, wrong shapes, broken
/// configs). Every load must end in success or a <see cref="ValueDriftException"/>: never another exception type, a
/// native crash, or a hang. Mutations that always break the file must give the typed error.
/// </summary>
public class CheckpointFuzzTests
{
    private static readonly byte[] Weights = File.ReadAllBytes(Path.Combine(Fixtures.TinyQwen3, "model.safetensors"));
    private static readonly string Config = File.ReadAllText(Path.Combine(Fixtures.TinyQwen3, "config.json"));
    private static readonly int HeaderEnd = 8 + (int)BitConverter.ToUInt64(Weights, 0);

    private enum Outcome { Loaded, TypedError }

    private static Outcome TryLoad(string dir)
    {
        var sw = Stopwatch.StartNew();
        try { using var m = CausalLM.FromPretrained(dir); return Outcome.Loaded; }
        catch (ValueDriftException) { return Outcome.TypedError; }
        finally { Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), "load took too long (hang?)"); }
    }

    private static string Write(string name, byte[] weights, string config)
    {
        var dir = Fixtures.TempDir("fuzz-" + name);
        File.WriteAllBytes(Path.Combine(dir, "model.safetensors"), weights);
        File.WriteAllText(Path.Combine(dir, "config.json"), config);
        return dir;
    }

    [Fact]
    public void TruncatedFilesAlwaysGiveTheTypedError()
    {
        var rng = new Random(1);
        for (int i = 0; i < 60; i++)
        {
            int len = i < 10 ? i : rng.Next(0, Weights.Length);       // includes 0..9 bytes: shorter than the length field
            Assert.Equal(Outcome.TypedError, TryLoad(Write("trunc", Weights[..len], Config)));
        }
    }

    [Fact]
    public void FlippedHeaderBytesEndInSuccessOrTheTypedError()
    {
        var rng = new Random(2);
        int typed = 0;
        for (int i = 0; i < 80; i++)
        {
            var w = (byte[])Weights.Clone();
            int flips = 1 + rng.Next(3);
            for (int f = 0; f < flips; f++) w[rng.Next(0, HeaderEnd)] ^= (byte)(1 << rng.Next(8));
            if (TryLoad(Write("flip", w, Config)) == Outcome.TypedError) typed++;
        }
        Assert.True(typed > 40, $"only {typed} of 80 header corruptions were detected");
    }

    [Fact]
    public void LyingOffsetsAndShapesAlwaysGiveTheTypedError()
    {
        var rng = new Random(3);
        string header = Encoding.UTF8.GetString(Weights, 8, HeaderEnd - 8);
        var numbers = System.Text.RegularExpressions.Regex.Matches(header, @"(?<=\[|, ?)\d+(?=,|\])");
        Assert.True(numbers.Count > 20);
        for (int i = 0; i < 60; i++)
        {
            var m = numbers[rng.Next(numbers.Count)];
            long value = long.Parse(m.Value);
            long lie = (i % 4) switch { 0 => value + 1 + rng.Next(1000), 1 => Math.Max(0, value - 1 - rng.Next(10)) == value ? value + 7 : Math.Max(0, value - 1 - rng.Next(10)), 2 => long.MaxValue / (1 + rng.Next(5)), _ => value * 2 + 3 };
            string mutated = header[..m.Index] + lie + header[(m.Index + m.Length)..];
            var body = Encoding.UTF8.GetBytes(mutated);
            var w = new List<byte>(BitConverter.GetBytes((ulong)body.Length));
            w.AddRange(body);
            w.AddRange(Weights.AsSpan(HeaderEnd).ToArray());
            Assert.Equal(Outcome.TypedError, TryLoad(Write("lie", w.ToArray(), Config)));
        }
    }

    [Fact]
    public void HeaderLengthLiesNeverAllocateOrCrash()
    {
        foreach (ulong n in new ulong[] { 0, 1, ulong.MaxValue, long.MaxValue, (ulong)Weights.Length, (ulong)HeaderEnd, 1UL << 40 })
        {
            var w = (byte[])Weights.Clone();
            BitConverter.GetBytes(n).CopyTo(w, 0);
            Assert.Equal(Outcome.TypedError, TryLoad(Write("hlen", w, Config)));
        }
    }

    [Fact]
    public void MutatedConfigsEndInSuccessOrTheTypedError()
    {
        var rng = new Random(4);
        string[] keys = ["hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads", "num_key_value_heads", "head_dim", "vocab_size", "model_type", "rms_norm_eps", "rope_theta", "tie_word_embeddings"];
        string[] values = ["0", "-3", "1.5", "\"x\"", "null", "[]", "{}", "true", "99999999999", "7"];
        int typed = 0;
        for (int i = 0; i < 60; i++)
        {
            string c = Config;
            if (i % 3 == 0)
            {   // random byte damage
                var b = Encoding.UTF8.GetBytes(c);
                b[rng.Next(b.Length)] = (byte)rng.Next(32, 127);
                c = Encoding.UTF8.GetString(b);
            }
            else
            {
                string key = keys[rng.Next(keys.Length)];
                c = System.Text.RegularExpressions.Regex.Replace(c, $"\"{key}\": [^,\\n]+", i % 3 == 1 ? $"\"{key}\": {values[rng.Next(values.Length)]}" : $"\"_removed_{key}\": 0");
            }
            if (TryLoad(Write("cfg", Weights, c)) == Outcome.TypedError) typed++;
        }
        Assert.True(typed > 30, $"only {typed} of 60 config mutations were rejected");
    }
}
