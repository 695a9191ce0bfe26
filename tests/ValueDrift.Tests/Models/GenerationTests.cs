using ValueDrift.Models;
using Xunit;

namespace ValueDrift.Tests.Models;

[Trait("tier", "fast")]
public class GenerationTests
{
    private static readonly int[][] Prompts = [[5, 17, 3], [9, 40, 22, 61, 7, 13], [2 + 1]];

    [Theory]
    [InlineData("tiny-llama3")]
    [InlineData("tiny-qwen3")]
    public void GreedyWithCacheEqualsGreedyWithout(string fixture)
    {
        using var model = CausalLM.FromPretrained(Fixtures.In(fixture));
        var o = new GenerationOptions { MaxNewTokens = 24 };
        var cached = Generation.Generate(model, Prompts, o);
        var plain = Generation.Generate(model, Prompts, o with { UseCache = false });
        for (int b = 0; b < Prompts.Length; b++)
        {
            Assert.Equal(24, cached[b].Tokens.Length);
            Assert.Equal(plain[b].Tokens, cached[b].Tokens);
        }
    }

    [Fact]
    public void BatchedGreedyEqualsEachPromptAlone()
    {
        using var model = CausalLM.FromPretrained(Fixtures.TinyLlama3);
        var o = new GenerationOptions { MaxNewTokens = 12 };
        var batch = Generation.Generate(model, Prompts, o);
        for (int b = 0; b < Prompts.Length; b++)
            Assert.Equal(Generation.Generate(model, [Prompts[b]], o)[0].Tokens, batch[b].Tokens);
    }

    [Fact]
    public void GreedyContinuationIsTheArgmaxOfTheForwardPass()
    {
        using var model = CausalLM.FromPretrained(Fixtures.TinyQwen3);
        int[] prompt = [5, 17, 3];
        var gen = Generation.Generate(model, [prompt], new GenerationOptions { MaxNewTokens = 3 })[0].Tokens;
        var seq = prompt.Select(x => (long)x).ToList();
        foreach (var tok in gen)
        {
            using var logits = model.Forward(TorchSharp.torch.tensor(seq.ToArray()).unsqueeze(0));
            Assert.Equal(logits[0, -1].argmax().item<long>(), tok);
            seq.Add(tok);
        }
    }

    [Fact]
    public void SamplingIsReproducibleForASeedAndVariesAcrossSeeds()
    {
        using var model = CausalLM.FromPretrained(Fixtures.TinyLlama3);
        var o = new GenerationOptions { MaxNewTokens = 16, Temperature = 1.0, TopP = 0.9, Seed = 7 };
        var a = Generation.Generate(model, Prompts, o);
        var b = Generation.Generate(model, Prompts, o);
        var c = Generation.Generate(model, Prompts, o with { Seed = 8 });
        for (int i = 0; i < Prompts.Length; i++) Assert.Equal(a[i].Tokens, b[i].Tokens);
        Assert.Contains(Enumerable.Range(0, Prompts.Length), i => !a[i].Tokens.SequenceEqual(c[i].Tokens));
    }

    [Fact]
    public void RowSeededSamplingDrawsWhatMultinomialDrawsWithEachRowsGenerator()
    {
        // The reference: each prompt alone, the whole prefix recomputed per token, LibTorch's multinomial with the row's generator.
        using var model = CausalLM.FromPretrained(Fixtures.TinyLlama3);
        var o = new GenerationOptions { MaxNewTokens = 12, Temperature = 0.7 };
        long[] seeds = [11, 12, 13];
        var batch = Generation.Generate(model, Prompts, o, seeds);
        for (int b = 0; b < Prompts.Length; b++)
        {
            using var generator = new TorchSharp.torch.Generator((ulong)seeds[b]);
            using var _ = TorchSharp.torch.no_grad();
            var seq = Prompts[b].Select(x => (long)x).ToList();
            var expected = new List<int>();
            for (int t = 0; t < o.MaxNewTokens; t++)
            {
                using var scope = TorchSharp.torch.NewDisposeScope();
                var logits = model.Forward(TorchSharp.torch.tensor(seq.ToArray()).unsqueeze(0));
                var token = (logits[0, -1] / o.Temperature).softmax(-1).multinomial(1, false, generator).item<long>();
                expected.Add((int)token);
                seq.Add(token);
            }
            Assert.Equal(expected, batch[b].Tokens);
        }
    }

    [Fact]
    public void NonFiniteLogitsAreATypedErrorWhenSamplingRows()
    {
        using var model = CausalLM.FromPretrained(Fixtures.TinyLlama3);
        using (TorchSharp.torch.no_grad()) model.parameters().First().fill_(double.NaN);
        var e = Assert.Throws<Errors.ValueDriftException>(() =>
            Generation.Generate(model, Prompts, new GenerationOptions { MaxNewTokens = 4, Temperature = 0.7 }, [1, 2, 3]));
        Assert.Contains("not finite", e.Message);
    }

    [Fact]
    public void StopTokensEndASequenceAndAreNotReturned()
    {
        using var model = CausalLM.FromPretrained(Fixtures.TinyQwen3);
        var free = Generation.Generate(model, [Prompts[0]], new GenerationOptions { MaxNewTokens = 10 })[0];
        int stopAt = free.Tokens[3];
        int firstIndex = Array.IndexOf(free.Tokens, stopAt);
        var stopped = Generation.Generate(model, [Prompts[0]], new GenerationOptions { MaxNewTokens = 10, StopTokenIds = [stopAt] })[0];
        Assert.True(stopped.Stopped);
        Assert.Equal(free.Tokens.Take(firstIndex), stopped.Tokens);
    }

    [Fact]
    public void TopPOfAlmostZeroIsGreedy()
    {
        using var model = CausalLM.FromPretrained(Fixtures.TinyLlama3);
        var greedy = Generation.Generate(model, Prompts, new GenerationOptions { MaxNewTokens = 8 });
        var nucleus = Generation.Generate(model, Prompts, new GenerationOptions { MaxNewTokens = 8, Temperature = 1.0, TopP = 1e-6, Seed = 3 });
        for (int i = 0; i < Prompts.Length; i++) Assert.Equal(greedy[i].Tokens, nucleus[i].Tokens);
    }

    [Fact]
    public void RowsWithTheSamePromptShareOnePrefillAndSampleAsIfAlone()
    {
        // A probe's batch: K rows per question, interleaved with other questions; each row keeps its own seed.
        using var model = CausalLM.FromPretrained(Fixtures.TinyLlama3);
        int[][] prompts = [Prompts[1], Prompts[0], Prompts[1], Prompts[2], Prompts[0], Prompts[1], Prompts[0]];
        long[] seeds = [21, 22, 23, 24, 25, 26, 22];
        var o = new GenerationOptions { MaxNewTokens = 14, Temperature = 1.0 };
        var batch = Generation.Generate(model, prompts, o, seeds);
        for (int b = 0; b < prompts.Length; b++)
            Assert.Equal(Generation.Generate(model, [prompts[b]], o, [seeds[b]])[0].Tokens, batch[b].Tokens);
        Assert.Equal(batch[1].Tokens, batch[6].Tokens);                       // same prompt, same seed
        Assert.False(batch[0].Tokens.SequenceEqual(batch[2].Tokens) && batch[0].Tokens.SequenceEqual(batch[5].Tokens),
            "rows sharing a prompt but not a seed should not all draw the same answer");
        var greedy = Generation.Generate(model, prompts, new GenerationOptions { MaxNewTokens = 10 });
        for (int b = 0; b < prompts.Length; b++)
            Assert.Equal(Generation.Generate(model, [prompts[b]], new GenerationOptions { MaxNewTokens = 10, UseCache = false })[0].Tokens, greedy[b].Tokens);
    }

    [Fact]
    public void OneSharedStreamStoppingAtStopTokensGivesTheFullRunCutAfterEachStop()
    {
        // PPO's rollouts: one random stream for the batch, the stop token kept, sampling ended once every row stopped.
        using var model = CausalLM.FromPretrained(Fixtures.TinyLlama3);
        int[][] prompts = [[5, 17, 3], [9, 40, 22, 61, 7, 13], [3], [8, 8, 2], [30, 1], [12, 44, 19, 4]];
        var free = new GenerationOptions { MaxNewTokens = 24, Temperature = 1.0, Seed = 7 };
        var full = Generation.Generate(model, prompts, free);
        // Stop tokens taken from the full run: a few rows' tokens (rows stop at different steps, some never), and
        // every row's token at step 3 (all rows stop by then, so sampling ends there).
        int[][] stopSets = [[full[0].Tokens[6], full[1].Tokens[2], full[3].Tokens[9]], [.. full.Select(g => g.Tokens[3]).Distinct()]];
        foreach (var stops in stopSets)
        {
            var batch = Generation.Generate(model, prompts, free with { StopTokenIds = stops, KeepStopToken = true });
            for (int b = 0; b < prompts.Length; b++)
            {
                int first = Array.FindIndex(full[b].Tokens, t => stops.Contains(t));
                Assert.Equal(first >= 0 ? full[b].Tokens[..(first + 1)] : full[b].Tokens, batch[b].Tokens);
                Assert.Equal(first >= 0, batch[b].Stopped);
            }
            var dropped = Generation.Generate(model, prompts, free with { StopTokenIds = stops });
            Assert.Equal(batch.Select(g => g.Stopped ? g.Tokens[..^1] : g.Tokens), dropped.Select(g => g.Tokens));
        }
    }

    [Fact]
    public void RowsThatStopEarlyLeaveTheBatchWithoutChangingTheOthers()
    {
        using var model = CausalLM.FromPretrained(Fixtures.TinyLlama3);
        int[][] prompts = [[5, 17, 3], [9, 40, 22, 61, 7, 13], [3], [8, 8, 2], [30, 1], [12, 44, 19, 4]];
        long[] seeds = [11, 12, 13, 14, 15, 16];
        var free = new GenerationOptions { MaxNewTokens = 16, Temperature = 1.0 };
        var open = Generation.Generate(model, prompts, free, seeds);
        // Stop tokens taken from the free run, so rows end at different steps and finished rows leave the batch.
        var o = free with { StopTokenIds = [open[0].Tokens[2], open[1].Tokens[7]] };
        var batch = Generation.Generate(model, prompts, o, seeds);
        Assert.True(batch.Select(g => g.Tokens.Length).Distinct().Count() > 1, "rows should stop at different steps");
        Assert.Contains(batch, g => g.Stopped);
        for (int b = 0; b < prompts.Length; b++)
        {
            var alone = Generation.Generate(model, [prompts[b]], o, [seeds[b]])[0];
            Assert.Equal(alone.Tokens, batch[b].Tokens);
            Assert.Equal(alone.Stopped, batch[b].Stopped);
        }
    }
}
