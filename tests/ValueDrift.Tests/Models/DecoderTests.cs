using TorchSharp;
using ValueDrift.Models;
using Xunit;
using static TorchSharp.torch;

namespace ValueDrift.Tests.Models;

[Trait("tier", "fast")]
public class DecoderTests
{
    public static TheoryData<string> FixtureModels => new() { "tiny-qwen3", "tiny-llama3", "tiny-qwen3-reference" };

    private static double MaxAbsDiff(Tensor logits /* (T, V) */, double[][] expected)
    {
        var got = logits.to(ScalarType.Float64).data<double>().ToArray();
        long V = logits.shape[1];
        Assert.Equal(expected.Length, (int)logits.shape[0]);
        double max = 0;
        for (int t = 0; t < expected.Length; t++)
        {
            Assert.Equal(V, expected[t].Length);
            for (int v = 0; v < V; v++) max = Math.Max(max, Math.Abs(got[t * V + v] - expected[t][v]));
        }
        return max;
    }

    [Theory, MemberData(nameof(FixtureModels))]
    public void EachSequenceAloneMatchesReferenceLogits(string fixture)
    {
        var dir = Fixtures.In(fixture);
        var reference = ReferenceLogits.Load(dir);
        using var model = CausalLM.FromPretrained(dir);
        for (int s = 0; s < reference.InputIds.Length; s++)
        {
            using var ids = tensor(reference.InputIds[s]).unsqueeze(0);
            using var logits = model.Forward(ids);
            Assert.Equal(ScalarType.Float32, logits.dtype);
            Assert.True(MaxAbsDiff(logits[0], reference.Logits[s]) < 1e-4, $"{fixture} sequence {s}: max |Δ| = {MaxAbsDiff(logits[0], reference.Logits[s])}");
        }
    }

    [Theory, MemberData(nameof(FixtureModels))]
    public void PaddedBatchGivesEachSequenceItsAloneLogits(string fixture)
    {
        var dir = Fixtures.In(fixture);
        var reference = ReferenceLogits.Load(dir);
        using var model = CausalLM.FromPretrained(dir);
        int B = reference.InputIds.Length, T = reference.InputIds.Max(s => s.Length);
        foreach (bool leftPad in new[] { false, true })
        {
            var ids = new long[B, T];
            var mask = new long[B, T];
            for (int b = 0; b < B; b++)
            {
                var seq = reference.InputIds[b];
                int offset = leftPad ? T - seq.Length : 0;
                for (int t = 0; t < seq.Length; t++) { ids[b, offset + t] = seq[t]; mask[b, offset + t] = 1; }
            }
            using var logits = model.Forward(tensor(ids), tensor(mask));
            for (int b = 0; b < B; b++)
            {
                int len = reference.InputIds[b].Length, offset = leftPad ? T - len : 0;
                using var rows = logits[b].narrow(0, offset, len);
                double diff = MaxAbsDiff(rows, reference.Logits[b]);
                Assert.True(diff < 1e-4, $"{fixture} seq {b} ({(leftPad ? "left" : "right")} padded): max |Δ| = {diff}");
            }
        }
    }

    [Fact]
    public void ConfigReadsGroupedQueryHeadsTiedHeadAndRopeScaling()
    {
        var llama = ModelConfig.Load(Fixtures.TinyLlama3);
        Assert.Equal(("llama", 6, 2, 8, false), (llama.ModelType, llama.NumAttentionHeads, llama.NumKeyValueHeads, llama.HeadDim, llama.TieWordEmbeddings));
        Assert.Equal(new Llama3RopeScaling(32, 1, 4, 8), llama.RopeScaling);
        var qwen = ModelConfig.Load(Fixtures.TinyQwen3);
        Assert.True(qwen.TieWordEmbeddings);
        Assert.True(qwen.HasQkNorm);
        Assert.Equal(24, qwen.HeadDim);
        Assert.Equal([2], qwen.EosTokenIds);
    }

    [Fact]
    public void Llama3ScalingMatchesHandComputation()
    {
        // Three frequencies chosen to fall in the high band (kept), the low band (divided by factor) and between.
        var s = new Llama3RopeScaling(Factor: 8, LowFreqFactor: 1, HighFreqFactor: 4, OriginalMaxPositionEmbeddings: 8192);
        double high = 2 * Math.PI / 100, low = 2 * Math.PI / 20000, mid = 2 * Math.PI / 4096;
        var got = RotaryEmbedding.ApplyLlama3Scaling([high, low, mid], s);
        Assert.Equal(high, got[0], 15);
        Assert.Equal(low / 8, got[1], 15);
        double smooth = (8192.0 / 4096 - 1) / (4 - 1);           // = 1/3
        Assert.Equal((1 - smooth) * mid / 8 + smooth * mid, got[2], 15);
    }
}
