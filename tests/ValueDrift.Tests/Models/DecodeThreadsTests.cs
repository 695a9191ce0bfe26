using ValueDrift.Models;
using Xunit;
using static TorchSharp.torch;

namespace ValueDrift.Tests.Models;

/// <summary>
/// A small model's cached decode steps run on one intra-op thread (<see cref="Generation.DecodeThreads"/>), through
/// <see cref="IntraOpThreads"/>, which gives the caller its thread setting back.
/// </summary>
[Trait("tier", "fast")]
public class DecodeThreadsTests
{
    private static readonly int[][] Prompts = [[5, 17, 3], [9, 40, 22, 61, 7, 13], [3], [8, 8, 2]];

    [Fact]
    public void IntraOpThreadsSetsTheCountForItsScopeAndRestoresTheCallersCount()
    {
        using (IntraOpThreads.Use(2))
        {
            using (IntraOpThreads.Use(1)) Assert.Equal(1, get_num_threads());
            Assert.Equal(2, get_num_threads());
            using (IntraOpThreads.Use(2)) Assert.Equal(2, get_num_threads());   // already 2: nothing to restore
            Assert.Equal(2, get_num_threads());
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => IntraOpThreads.Use(0));
    }

    [Fact]
    public void ASmallDecodeStepRunsOnOneThreadAndALargeOneKeepsTheCallersSetting()
    {
        using var model = CausalLM.FromPretrained(Fixtures.TinyLlama3);
        long p = model.ParameterCount;
        int fits = (int)(Generation.OneThreadDecodeMaxWork / p);
        Assert.Equal(1, Generation.DecodeThreads(model, 1));
        Assert.Equal(1, Generation.DecodeThreads(model, fits));
        Assert.Null(Generation.DecodeThreads(model, fits + 1));
    }

    [Fact]
    public void GenerationGivesTheCallerItsThreadSettingBackAndSamplesTheSameWhateverTheSetting()
    {
        using var model = CausalLM.FromPretrained(Fixtures.TinyLlama3);
        var o = new GenerationOptions { MaxNewTokens = 20, Temperature = 1.0 };
        long[] seeds = [1, 2, 3, 4];
        IReadOnlyList<Generated> Run(int threads)
        {
            using var _ = IntraOpThreads.Use(threads);
            var result = Generation.Generate(model, Prompts, o, seeds);
            Assert.Equal(threads, get_num_threads());
            return result;
        }
        var two = Run(2);
        var one = Run(1);
        Assert.Equal(two.Select(g => g.Tokens), one.Select(g => g.Tokens));
    }
}
