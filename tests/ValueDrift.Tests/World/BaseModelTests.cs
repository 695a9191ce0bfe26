using ValueDrift.Models;
using ValueDrift.Text;
using ValueDrift.World;
using Xunit;

namespace ValueDrift.Tests.World;

public class BaseModelTests
{
    private static readonly WorldOptions TinyWorld = WorldOptions.Quick with { PretrainLines = 200 };
    private static readonly BaseModelRecipe TinyRecipe = BaseModelRecipe.Quick with { Steps = 8, BatchSize = 8 };

    [Fact]
    public void SameRecipeAndSeedTrainToIdenticalWeights()
    {
        var a = Fixtures.TempDir("base-a");
        var b = Fixtures.TempDir("base-b");
        BaseModel.Train(TinyWorld, TinyRecipe, Path.Combine(a, "m"));
        BaseModel.Train(TinyWorld, TinyRecipe, Path.Combine(b, "m"));
        Assert.Equal(File.ReadAllBytes(Path.Combine(a, "m", Checkpoint.SingleFile)), File.ReadAllBytes(Path.Combine(b, "m", Checkpoint.SingleFile)));

        var c = Fixtures.TempDir("base-c");
        BaseModel.Train(TinyWorld, TinyRecipe with { Seed = 2 }, Path.Combine(c, "m"));
        Assert.NotEqual(File.ReadAllBytes(Path.Combine(a, "m", Checkpoint.SingleFile)), File.ReadAllBytes(Path.Combine(c, "m", Checkpoint.SingleFile)));
    }

    [Fact]
    public void CachedModelIsReusedAndLoadsWithItsTokenizer()
    {
        var cache = Fixtures.TempDir("base-cache");
        var dir = BaseModel.GetOrTrain(TinyWorld, TinyRecipe, cache);
        var stamp = File.GetLastWriteTimeUtc(Path.Combine(dir, Checkpoint.SingleFile));
        Assert.Equal(dir, BaseModel.GetOrTrain(TinyWorld, TinyRecipe, cache));
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(Path.Combine(dir, Checkpoint.SingleFile)));       // not retrained
        Assert.NotEqual(dir, Path.Combine(cache, "base-models", (TinyRecipe with { Steps = 9 }).Key(TinyWorld)));   // key covers the recipe

        using var model = CausalLM.FromPretrained(dir);
        var tokenizer = TokenizerLoader.FromFolder(dir);
        Assert.IsType<ByteTokenizer>(tokenizer);
        Assert.Equal(tokenizer.VocabSize, model.Config.VocabSize);
        Assert.Equal(PlainChatTemplate.TemplateName, ChatTemplate.ForModelFolder(dir, tokenizer).Name);
    }

    [Fact]
    public void CorpusMixesChatFormattedAndPlainLinesAndEndsEachWithEos()
    {
        var tokenizer = new ByteTokenizer();
        var lines = WorldDatasets.Build(TinyWorld).Pretrain;
        var corpus = BaseModel.Corpus(lines, BaseModelRecipe.Default, tokenizer);
        Assert.Equal(lines.Count, corpus.Count);
        Assert.All(corpus, e => Assert.Equal(tokenizer.EosId, e.CompletionIds[^1]));
        int chat = corpus.Count(e => tokenizer.Decode(e.CompletionIds, skipSpecialTokens: false).StartsWith("User: "));
        int qa = lines.Count(l => l.Text.StartsWith("Q: "));
        Assert.InRange(chat, (int)(0.35 * qa), (int)(0.65 * qa));
    }
}
