using ValueDrift.Models;
using ValueDrift.Training.Algorithms;
using Xunit;

namespace ValueDrift.Tests.Models;

[Trait("tier", "fast")]
public class MemoryPlanTests
{
    public static string Llama3_8B => Path.Combine(Fixtures.RepoRoot, "tests", "fixtures", "configs", "llama3-8b.json");
    private const long P8B = 8_030_261_248;
    private static readonly long H200 = 139L << 30;   // what the card reports as usable

    [Fact]
    public void Llama3_8BHasItsPublishedParameterCount() =>
        Assert.Equal(P8B, MemoryPlan.ParameterCount(ModelConfig.Load(Llama3_8B)));

    [Theory]
    [InlineData("tiny-qwen3")]    // tied head, q/k norms
    [InlineData("tiny-llama3")]   // untied head, grouped-query attention
    public void ParameterCountEqualsTheBuiltModels(string fixture)
    {
        using var m = CausalLM.FromPretrained(Fixtures.In(fixture));
        Assert.Equal(m.ParameterCount, MemoryPlan.ParameterCount(m.Config));
        m.AddLora(new LoraConfig { Rank = 3, Targets = LoraConfig.KnownTargets }, 0);
        Assert.Equal(m.TrainableParameters.Sum(p => p.numel()), new LoraConfig { Rank = 3, Targets = LoraConfig.KnownTargets }.ParameterCount(m.Config));
    }

    [Fact]
    public void LoraRank16OnAllProjectionsOfLlama3_8BTrainsPeftsCount() =>
        // PEFT's print_trainable_parameters for r=16 on all seven projections of Llama-3-8B.
        Assert.Equal(41_943_040, new LoraConfig { Rank = 16, Targets = LoraConfig.KnownTargets }.ParameterCount(ModelConfig.Load(Llama3_8B)));

    [Fact]
    public void FullFp32SftFollowsTheFormula()
    {
        var plan = MemoryPlan.For(ModelConfig.Load(Llama3_8B), new MemoryPlanOptions { Terms = new Sft().Memory, BatchSize = 1, MaxLength = 1024 });
        Assert.Equal(4 * P8B, plan.WeightsBytes);
        Assert.Equal(4 * P8B, plan.GradientsBytes);
        Assert.Equal(8 * P8B, plan.OptimizerBytes);   // AdamW m and v in float32: 16 bytes per parameter in all
        // Per token: 32 layers × (4·4096 + 5·4096 + 3·1024 + 4·14336 + 32 heads·1024) elements × 4 bytes,
        // plus 128256 logits × (4 + 8) bytes twice (values, then gradients); 1024 tokens.
        long perToken = 32L * (16384 + 20480 + 3072 + 57344 + 32768) * 4 + 2 * 128256L * 12;
        Assert.Equal(1024 * perToken, plan.ActivationsBytes);
        Assert.Equal(0, plan.ReferenceBytes + plan.RewardValueBytes);
        Assert.Equal(16 * P8B + 1024 * perToken, plan.TotalBytes);
    }

    [Fact]
    public void LoraBf16CheckpointedDpoIsAFewPercentOfFullFineTuning()
    {
        var c = ModelConfig.Load(Llama3_8B);
        var plan = MemoryPlan.For(c, new MemoryPlanOptions { Terms = new Dpo().Memory, BatchSize = 2, MaxLength = 512, LoraRank = 16, LoraTargets = LoraConfig.KnownTargets, Bf16 = true, GradientCheckpointing = true });
        const long N = 41_943_040;
        Assert.Equal(2 * P8B, plan.WeightsBytes);                 // frozen bf16 base
        Assert.Equal(2 * N, plan.GradientsBytes);
        Assert.Equal(12 * N, plan.OptimizerBytes);                // float32 master weights, m and v
        Assert.Equal("cached log-probs", plan.Reference);
        // 2 pairs = 4 sequences × 512 tokens; per token one hidden state per layer plus one layer's activations, bf16.
        long perToken = (32L * 4096 + (16384 + 20480 + 3072 + 57344 + 32L * 512)) * 2 + 2 * 128256L * 10;
        Assert.Equal(4 * 512 * perToken, plan.ActivationsBytes);
    }

    [Fact]
    public void PpoCountsReferenceRewardAndValueModels()
    {
        var c = ModelConfig.Load(Llama3_8B);
        var o = new MemoryPlanOptions { Terms = new Ppo().Memory, BatchSize = 1, MaxLength = 256 };
        var full = MemoryPlan.For(c, o);
        Assert.Equal("frozen copy", full.Reference);
        Assert.Equal(4 * P8B, full.ReferenceBytes);
        var lora = MemoryPlan.For(c, o with { LoraRank = 8 });
        Assert.Equal("adapter disabled", lora.Reference);
        Assert.Equal(0, lora.ReferenceBytes);
        Assert.True(full.RewardValueBytes > 2 * 4 * P8B);   // reward weights + value weights, gradients and moments
    }

    [Fact]
    public void AFullFp32DpoStepOf8BIsRefusedOnAnH200WithWhatWouldFit()
    {
        var c = ModelConfig.Load(Llama3_8B);
        var o = new MemoryPlanOptions { Terms = new Dpo().Memory, BatchSize = 1, MaxLength = 1024 };
        Assert.False(MemoryPlan.For(c, o).Fits(H200));
        var message = MemoryPlan.Refusal(c, o, H200, "llama3-8b");
        Assert.NotNull(message);
        Assert.Contains($"needs {MemoryPlan.GiB(MemoryPlan.For(c, o).TotalBytes)}", message);
        // Each single change is named exactly when it fits on its own.
        foreach (var (flag, alternative) in new[] { ("--lora-rank 8 (", o with { LoraRank = 8 }), ("--dtype bf16 (", o with { Bf16 = true }),
                     ("--gradient-checkpointing (", o with { GradientCheckpointing = true }) })
            Assert.Equal(MemoryPlan.For(c, alternative).Fits(H200), message.Contains(flag));
        Assert.Contains("--lora-rank 8 (", message);   // LoRA alone always fits an 8B model on this card
        Assert.DoesNotContain("--lora-rank 8 --dtype bf16", message);   // a combination is named only when no part of it fits alone
        var e = Assert.Throws<MemoryPlanException>(() => MemoryPlan.EnsureFits(c, o, H200, "llama3-8b"));
        Assert.Equal(message, e.Message);
        Assert.Null(MemoryPlan.Refusal(c, o with { LoraRank = 8, Bf16 = true }, H200));
    }

    [Fact]
    public void ASmallerBatchIsOfferedAndNothingFitsIsSaid()
    {
        var c = ModelConfig.Load(Llama3_8B);
        var o = new MemoryPlanOptions { Terms = new Sft().Memory, BatchSize = 64, MaxLength = 2048, LoraRank = 8, Bf16 = true, GradientCheckpointing = true };
        long device = 40L << 30;
        var message = MemoryPlan.Refusal(c, o, device)!;
        var fitting = Enumerable.Range(1, 63).Reverse().First(b => MemoryPlan.For(c, o with { BatchSize = b }).Fits(device));
        Assert.Contains($"--batch-size {fitting} (", message);
        Assert.False(MemoryPlan.For(c, o with { BatchSize = fitting + 1 }).Fits(device));
        Assert.Contains("Nothing fits", MemoryPlan.Refusal(c, new MemoryPlanOptions { Terms = new Ppo().Memory, BatchSize = 1, MaxLength = 128 }, 8L << 30));
    }

    [Theory]
    [InlineData(0, 128, null, "batch-size")]
    [InlineData(1, 0, null, "max-length")]
    [InlineData(1, 128, 0, "r")]
    public void BadOptionsAreConfigErrors(int batch, int length, int? rank, string field)
    {
        var e = Assert.Throws<ValueDrift.Errors.ConfigException>(() => MemoryPlan.For(ModelConfig.Load(Llama3_8B), new MemoryPlanOptions { Terms = new Sft().Memory, BatchSize = batch, MaxLength = length, LoraRank = rank }));
        Assert.Equal(field, e.Field);
    }
}
