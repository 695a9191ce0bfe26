using System.Text;
using ValueDrift.Errors;
using ValueDrift.Models;
using Xunit;

namespace ValueDrift.Tests.Reliability;

/// <summary>
/// Seeded mutations of the tiny Qwen3 checkpoint's <c>model.safetensors</c>, read by <see cref="SafetensorsFile"/>
/// and loaded whole by <see cref="CausalLM.FromPretrained"/>. Goes beyond Models/CheckpointFuzzTests: more cases,
/// JSON-aware damage of the header (re-wrapped with a correct length so the parser sees it), and an allocation budget.
/// </summary>
public class SafetensorsFuzzTests
{
    private static readonly byte[] Weights = File.ReadAllBytes(Path.Combine(Fixtures.TinyQwen3, "model.safetensors"));
    private static readonly int HeaderEnd = 8 + (int)BitConverter.ToUInt64(Weights, 0);
    private static readonly string Header = Encoding.UTF8.GetString(Weights, 8, HeaderEnd - 8);

    private static readonly ulong[] LengthLies =
        [0, 1, 2, 7, 8, (ulong)(HeaderEnd - 9), (ulong)(HeaderEnd - 7), (ulong)Weights.Length, (ulong)Weights.Length - 8, 1UL << 31, 1UL << 32, 3UL << 30, 1UL << 40, long.MaxValue, ulong.MaxValue];

    private static byte[] WithHeader(string header)
    {
        var body = Encoding.UTF8.GetBytes(header);
        return [.. BitConverter.GetBytes((ulong)body.Length), .. body, .. Weights.AsSpan(HeaderEnd)];
    }

    internal static (byte[] Input, string What) Mutate(Random rng, int index)
    {
        int k = rng.Next(20);
        if (k < 7) { var (h, what) = Mutations.Json(Header, rng); return (WithHeader(h), "header " + what); }
        if (k < 11) { var (b, what) = Mutations.Bytes(Weights, rng, focus: HeaderEnd); return (b, "header bytes: " + what); }
        if (k < 13)
        {
            var lie = LengthLies[rng.Next(LengthLies.Length)];
            var b = (byte[])Weights.Clone();
            BitConverter.GetBytes(lie).CopyTo(b, 0);
            return (b, $"header length field set to {lie}");
        }
        if (k < 15) { int len = rng.Next(Weights.Length); return (Weights[..len], $"truncated to {len} bytes"); }
        { var (b, what) = Mutations.Bytes(Weights, rng); return (b, "anywhere: " + what); }
    }

    [Fact]
    public void SafetensorsFile_Open_and_Read_end_in_success_or_a_typed_error()
    {
        var file = Path.Combine(Fixtures.TempDir("fuzz-st"), "model.safetensors");
        var counts = Fuzz.Run("safetensors (SafetensorsFile.Open/Read)", 1500, Mutate, bytes =>
        {
            File.WriteAllBytes(file, bytes);
            var f = SafetensorsFile.Open(file);
            foreach (var name in f.Entries.Keys) f.Read(name).Dispose();
        }, maxAllocatedBytes: 16L << 20);
        // Most damage to the header must be caught; a reader that accepted everything would not be tested at all.
        Assert.True(counts.TypedErrors > counts.Cases / 2, $"only {counts.TypedErrors} of {counts.Cases} mutations were rejected");
        Assert.True(counts.Successes > 0, "no mutation was harmless: the mutator never reaches the data section");
    }

    [Fact]
    public void CausalLM_FromPretrained_ends_in_success_or_a_typed_error()
    {
        var dir = Fixtures.TempDir("fuzz-st-load");
        File.Copy(Path.Combine(Fixtures.TinyQwen3, "config.json"), Path.Combine(dir, "config.json"));
        var file = Path.Combine(dir, "model.safetensors");
        var counts = Fuzz.Run("safetensors (CausalLM.FromPretrained)", 1000, Mutate, bytes =>
        {
            File.WriteAllBytes(file, bytes);
            using var m = CausalLM.FromPretrained(dir);
        }, maxAllocatedBytes: 32L << 20);
        Assert.True(counts.TypedErrors > counts.Cases / 2, $"only {counts.TypedErrors} of {counts.Cases} mutations were rejected");
    }

    [Fact]
    public void Length_fields_claiming_gigabytes_are_rejected_before_allocating()
    {
        var dir = Fixtures.TempDir("st-lies");
        var file = Path.Combine(dir, "model.safetensors");
        string[] headers =
        [
            """{"w":{"dtype":"F32","shape":[1000000000,2],"data_offsets":[0,8000000000]}}""",
            """{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8000000000]}}""",
            """{"w":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,8]}}""",
            """{"w":{"dtype":"F64","shape":[1073741824,1073741824,1073741824],"data_offsets":[0,8]}}""",
        ];
        foreach (var h in headers)
        {
            var body = Encoding.UTF8.GetBytes(h);
            File.WriteAllBytes(file, [.. BitConverter.GetBytes((ulong)body.Length), .. body, .. new byte[8]]);
            AssertRejectedCheaply(file, h);
        }
        foreach (var n in new ulong[] { 3UL << 30, 1UL << 40, ulong.MaxValue })
        {
            File.WriteAllBytes(file, [.. BitConverter.GetBytes(n), .. "{}"u8]);
            AssertRejectedCheaply(file, $"header length {n}");
        }
    }

    private static void AssertRejectedCheaply(string file, string what)
    {
        var outcome = Fuzz.RunOne(file, f => { var s = SafetensorsFile.Open(f); foreach (var n in s.Entries.Keys) s.Read(n).Dispose(); },
            out var error, out long allocated);
        Assert.True(outcome == Fuzz.Outcome.Typed, $"{what}: {outcome} {error}");
        Assert.IsType<CheckpointException>(error);
        Assert.True(allocated < 1 << 20, $"{what}: allocated {allocated:N0} bytes before rejecting");
    }
}
