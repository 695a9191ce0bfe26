using ValueDrift.Data;
using ValueDrift.Models;
using ValueDrift.Probes;
using Xunit;
using static TorchSharp.torch;

namespace ValueDrift.Tests.Probes;

[Trait("tier", "fast")]
public class SharedPromptScoringTests
{
    // Three prompts of different lengths, each with several completions of different lengths, interleaved.
    private static readonly TokenizedExample[] Examples =
    [
        new([5, 17, 3, 9], [40, 22, 61]),
        new([12], [7, 13, 2, 2, 80, 31]),
        new([5, 17, 3, 9], [8]),
        new([30, 1, 44, 19, 4, 6, 2], [11, 12, 13, 14]),
        new([12], [3, 3]),
        new([5, 17, 3, 9], [61, 61, 61, 61, 61, 61, 61]),
    ];

    /// <summary>The reference: each (prompt, completion) alone, one plain forward pass, no padding and no cache.</summary>
    private static double Alone(CausalLM model, TokenizedExample e)
    {
        using var scope = NewDisposeScope();
        var ids = tensor(e.PromptIds.Concat(e.CompletionIds).Select(x => (long)x).ToArray()).unsqueeze(0);
        var logp = model.Forward(ids).log_softmax(-1)[0];                          // (T, V)
        double sum = 0;
        for (int t = 0; t < e.CompletionIds.Length; t++)
            sum += logp[e.PromptIds.Length + t - 1, e.CompletionIds[t]].item<float>();
        return sum / e.CompletionIds.Length;
    }

    [Theory]
    [InlineData("tiny-llama3")]
    [InlineData("tiny-qwen3")]
    public void EqualsEachSequenceScoredAlone(string fixture)
    {
        using var model = CausalLM.FromPretrained(Fixtures.In(fixture));
        model.eval();
        using var _ = no_grad();
        var shared = SharedPromptScoring.MeanLogLikelihoods(model, Examples, padId: 0).data<float>().ToArray();
        Assert.Equal(Examples.Length, shared.Length);
        for (int i = 0; i < Examples.Length; i++)
            Assert.Equal(Alone(model, Examples[i]), shared[i], 1e-5);
    }

    [Fact]
    public void AnExampleWithoutAPromptTokenIsRefused()
    {
        using var model = CausalLM.FromPretrained(Fixtures.TinyLlama3);
        Assert.Throws<ArgumentException>(() => SharedPromptScoring.MeanLogLikelihoods(model, [new TokenizedExample([], [4, 5])], padId: 0));
    }
}
