using TorchSharp;
using ValueDrift.Models;
using Xunit;
using static TorchSharp.torch;

namespace ValueDrift.Tests.Models;

/// <summary>bf16 compute with float32 master weights reproduces the float32 run's losses.</summary>
[Trait("tier", "fast")]
public class MixedPrecisionTests
{
    private static readonly long[] Ids = [1, 5, 9, 33, 70, 2, 44, 12, 1, 3, 3, 80, 17, 64, 8, 88, 7, 7, 21, 50];

    private static Tensor Loss(CausalLM m, Tensor ids)
    {
        var logits = m.Forward(ids);   // float32 even in bf16
        Assert.Equal(ScalarType.Float32, logits.dtype);
        return nn.functional.cross_entropy(logits[.., ..^1].reshape(-1, logits.shape[2]), ids[.., 1..].reshape(-1));
    }

    private static List<float> Fp32Run(CausalLM m, int steps, double lr)
    {
        using var opt = optim.AdamW(m.TrainableParameters, lr: lr);
        using var ids = tensor(Ids).view(2, -1);
        var losses = new List<float>();
        for (int i = 0; i < steps; i++)
        {
            using var scope = NewDisposeScope();
            opt.zero_grad();
            var loss = Loss(m, ids);
            loss.backward();
            opt.step();
            losses.Add(loss.item<float>());
        }
        return losses;
    }

    private static List<float> Bf16Run(CausalLM m, int steps, double lr)
    {
        using var master = new MasterWeights(m);
        using var opt = optim.AdamW(master.Parameters, lr: lr);
        using var ids = tensor(Ids).view(2, -1);
        var losses = new List<float>();
        for (int i = 0; i < steps; i++)
        {
            using var scope = NewDisposeScope();
            foreach (var p in m.parameters()) p.grad = null;
            var loss = Loss(m, ids);
            loss.backward();
            master.GradientsToMaster();
            Assert.All(master.Parameters, p => Assert.Equal(ScalarType.Float32, p.grad!.dtype));
            opt.step();
            master.MasterToModel();
            losses.Add(loss.item<float>());
        }
        return losses;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Bf16WithMasterWeightsTracksTheFloat32LossesWithinTwoPercent(bool lora)
    {
        using var f32 = CausalLM.FromPretrained(Fixtures.TinyQwen3);
        using var bf16 = CausalLM.FromPretrained(Fixtures.TinyQwen3, ScalarType.BFloat16);
        if (lora)
        {
            var c = new LoraConfig { Rank = 4, Alpha = 8, Targets = LoraConfig.KnownTargets };
            f32.AddLora(c, 1);
            bf16.AddLora(c, 1);
        }
        var a = Fp32Run(f32, 6, 1e-3);
        var b = Bf16Run(bf16, 6, 1e-3);
        Assert.True(a[^1] < a[0] * 0.97, $"the float32 run barely trained: {string.Join(", ", a)}");
        for (int i = 0; i < a.Count; i++)
            Assert.True(Math.Abs(a[i] - b[i]) <= 0.02 * a[i], $"step {i}: fp32 {a[i]} vs bf16 {b[i]}");
        Assert.All(bf16.parameters(), p => Assert.Equal(ScalarType.BFloat16, p.dtype));
    }

    [Fact]
    public void MastersAccumulateUpdatesBelowBf16Resolution()
    {
        using var bf16 = CausalLM.FromPretrained(Fixtures.TinyQwen3, ScalarType.BFloat16);
        var norm = bf16.named_parameters().First(p => p.name == "model.norm.weight").parameter;
        double w0 = norm[0].to(ScalarType.Float64).item<double>();   // ≈ 0.93: bf16 spacing there is 2^-8 ≈ 0.0039
        using var master = new MasterWeights(bf16);
        var normMaster = master.Named.First(p => p.Name == "model.norm.weight").Master;
        using (no_grad())
            for (int i = 0; i < 10; i++) { normMaster.add_(1e-3); norm.add_(1e-3); }   // each update is below half the spacing
        Assert.Equal(w0, norm[0].to(ScalarType.Float64).item<double>());   // updated in bf16, the weight never moves
        master.MasterToModel();
        double expected = tensor(w0 + 0.01, ScalarType.Float64).to(ScalarType.BFloat16).to(ScalarType.Float64).item<double>();
        Assert.NotEqual(w0, expected);
        Assert.Equal(expected, norm[0].to(ScalarType.Float64).item<double>());   // the float32 sum lands on the nearest bf16
        Assert.Equal(w0 + 0.01, normMaster[0].to(ScalarType.Float64).item<double>(), 5);
    }

    [Fact]
    public void SavingDefaultsToTheSourceCheckpointsDType()
    {
        var bf16Dir = Fixtures.TempDir("source-bf16");
        using (var f = CausalLM.FromPretrained(Fixtures.TinyQwen3)) f.SavePretrained(bf16Dir, ScalarType.BFloat16);
        using var m = CausalLM.FromPretrained(bf16Dir);   // computes in float32
        Assert.Equal(ScalarType.Float32, m.DType);
        Assert.Equal(ScalarType.BFloat16, m.SourceDType);
        var back = Fixtures.TempDir("source-bf16-back");
        m.SavePretrained(back, m.DefaultSaveDType);
        Assert.All(SafetensorsFile.Open(Path.Combine(back, "model.safetensors")).Entries.Values, e => Assert.Equal("BF16", e.DType));
        Assert.Equal(new FileInfo(Path.Combine(bf16Dir, "model.safetensors")).Length, new FileInfo(Path.Combine(back, "model.safetensors")).Length);
        using var created = CausalLM.Create(m.Config, 0);
        Assert.Null(created.SourceDType);
        Assert.Equal(ScalarType.Float32, created.DefaultSaveDType);
    }
}
