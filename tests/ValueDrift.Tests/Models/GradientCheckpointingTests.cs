using TorchSharp;
using ValueDrift.Models;
using Xunit;
using static TorchSharp.torch;

namespace ValueDrift.Tests.Models;

/// <summary>Recomputing each layer in backward must give the plain run's loss and gradients.</summary>
[Trait("tier", "fast")]
public class GradientCheckpointingTests
{
    private static readonly long[] Ids = [1, 5, 9, 33, 70, 2, 44, 12, 0, 0, 1, 3, 3, 80, 17, 64, 8, 88, 7, 7];

    /// <summary>Loss and per-parameter gradients of one next-token step on a left-padded batch.</summary>
    private static (float Loss, Dictionary<string, Tensor> Grads) Step(CausalLM m, bool checkpointing, long dropoutSeed)
    {
        m.GradientCheckpointing = checkpointing;
        m.train();
        m.ReseedDropout(dropoutSeed);   // LoRA dropout draws from the model's own generator
        using var ids = tensor(Ids).view(2, -1);
        using var mask = ones_like(ids);
        mask[0, ^2..] = tensor(0L);   // right padding on the first row
        foreach (var p in m.parameters()) p.grad = null;
        using var scope = NewDisposeScope();
        var logits = m.Forward(ids, mask);   // (2, T, V)
        var loss = nn.functional.cross_entropy(logits[.., ..^1].reshape(-1, logits.shape[2]), ids[.., 1..].reshape(-1));
        loss.backward();
        var grads = m.named_parameters().Where(p => p.parameter.grad is not null)
            .ToDictionary(p => p.name, p => p.parameter.grad!.detach().clone().MoveToOuterDisposeScope());
        return (loss.item<float>(), grads);
    }

    private static void AssertSame((float Loss, Dictionary<string, Tensor> Grads) plain, (float Loss, Dictionary<string, Tensor> Grads) ckpt)
    {
        Assert.Equal(plain.Loss, ckpt.Loss, 6);
        Assert.Equal(plain.Grads.Keys.Order(), ckpt.Grads.Keys.Order());
        foreach (var (name, g) in plain.Grads)
        {
            double scale = Math.Max(1e-6, g.abs().max().item<float>());
            double diff = (g - ckpt.Grads[name]).abs().max().item<float>();
            Assert.True(diff <= 1e-5 * scale + 1e-7, $"{name}: gradients differ by {diff} (scale {scale})");
        }
    }

    [Theory]
    [InlineData("tiny-qwen3")]
    [InlineData("tiny-llama3")]
    public void FullFineTuningLossAndGradientsEqualThePlainRun(string fixture)
    {
        using var m = CausalLM.FromPretrained(Fixtures.In(fixture));
        var plain = Step(m, checkpointing: false, 1);
        var ckpt = Step(m, checkpointing: true, 1);
        Assert.Equal(m.parameters().Count(), plain.Grads.Count);   // every parameter received a gradient
        AssertSame(plain, ckpt);
    }

    [Fact]
    public void LoraWithDropoutGetsTheSameGradientsThroughTheFrozenEmbedding()
    {
        using var m = CausalLM.FromPretrained(Fixtures.TinyQwen3);
        m.AddLora(new LoraConfig { Rank = 4, Alpha = 8, Dropout = 0.3, Targets = LoraConfig.KnownTargets }, seed: 2);
        using (no_grad())
        {
            using var g = new torch.Generator(9);
            foreach (var (name, p) in m.named_parameters()) if (name.EndsWith("lora_B.weight")) p.normal_(0, 0.05, g);
        }
        var plain = Step(m, checkpointing: false, 5);
        var ckpt = Step(m, checkpointing: true, 5);
        Assert.Equal(m.TrainableParameters.Count(), plain.Grads.Count);   // only A and B, all of them
        AssertSame(plain, ckpt);
        // A different dropout draw gives different gradients, so the equality above is not vacuous.
        var other = Step(m, checkpointing: false, 6);
        Assert.NotEqual(plain.Loss, other.Loss);
    }

    [Fact]
    public void InferenceWithCheckpointingOnIsThePlainForward()
    {
        using var m = CausalLM.FromPretrained(Fixtures.TinyQwen3);
        using var ids = tensor(Ids).view(2, -1);
        using var _ = no_grad();
        using var a = m.Forward(ids);
        m.GradientCheckpointing = true;
        using var b = m.Forward(ids);
        Assert.Equal(0f, (a - b).abs().max().item<float>());
    }

    /// <summary>
    /// Proof that the layers really are recomputed from their stored inputs: a weight of layer 0 changed in place
    /// between forward and backward breaks the plain run (autograd kept the old value and detects the change); the
    /// checkpointed run recomputes layer 0 with the new value — its gradients change — while layer 1, recomputed from
    /// its stored input, and the norm and head get exactly the unchanged run's gradients.
    /// </summary>
    [Fact]
    public void BackwardRecomputesTheLayersFromTheirStoredInputs()
    {
        using var m = CausalLM.FromPretrained(Fixtures.TinyQwen3);
        var w = m.named_parameters().First(p => p.name == "model.layers.0.mlp.down_proj.weight").parameter;
        using var ids = tensor(Ids).view(2, -1);
        Tensor LossOf(Tensor logits) => nn.functional.cross_entropy(logits[.., ..^1].reshape(-1, logits.shape[2]), ids[.., 1..].reshape(-1));

        Dictionary<string, Tensor> Run(bool checkpointing, bool change)
        {
            m.GradientCheckpointing = checkpointing;
            foreach (var p in m.parameters()) p.grad = null;
            using var scope = NewDisposeScope();
            var loss = LossOf(m.Forward(ids));
            if (change) using (no_grad()) w.add_(0.01);
            try
            {
                loss.backward();
                return m.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.clone().MoveToOuterDisposeScope());
            }
            finally { if (change) using (no_grad()) w.sub_(0.01); }
        }

        Assert.ThrowsAny<Exception>(() => Run(checkpointing: false, change: true));   // "modified by an inplace operation"
        var unchanged = Run(checkpointing: true, change: false);
        var changed = Run(checkpointing: true, change: true);
        foreach (var (name, g) in unchanged)
        {
            double diff = (g - changed[name]).abs().max().item<float>();
            if (name.StartsWith("model.layers.0.") && name != "model.layers.0.mlp.down_proj.weight") Assert.True(diff > 0, $"{name} was not recomputed");
            else if (!name.StartsWith("model.layers.0.") && name != "model.embed_tokens.weight") Assert.True(diff == 0, $"{name} changed by {diff}");
        }
    }
}
