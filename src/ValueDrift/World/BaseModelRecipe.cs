using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ValueDrift.Models;

namespace ValueDrift.World;

/// <summary>
/// How the world's base model is made: a small Llama-architecture decoder with the byte-level tokenizer, pretrained
/// from scratch on the world's balanced-stance corpus. Plain data, hashed into the cache key together with the world
/// version, so a changed recipe or world never reuses a stale model.
/// </summary>
public sealed record BaseModelRecipe
{
    public int HiddenSize { get; init; } = 128;
    public int Layers { get; init; } = 4;
    public int Heads { get; init; } = 4;
    public int KeyValueHeads { get; init; } = 2;
    public int IntermediateSize { get; init; } = 352;
    public int Steps { get; init; } = 500;
    public int BatchSize { get; init; } = 32;
    public double LearningRate { get; init; } = 3e-3;
    public int WarmupSteps { get; init; } = 30;
    /// <summary>
    /// Share of the corpus's question–answer lines written in the plain chat format ("User: …\nAssistant: …") rather
    /// than as "Q: … A: …". Like a web-pretrained base model that has seen some dialogue, ours can answer a chat
    /// prompt before SFT, with the corpus's balanced stances.
    /// </summary>
    public double ChatFormatFraction { get; init; } = 0.5;
    public long Seed { get; init; } = 1;

    /// <summary>The demo's recipe: fits in about three minutes on two cores.</summary>
    public static BaseModelRecipe Default => new();

    /// <summary>A small, fast recipe for tests and <c>--quick</c>; the model is barely trained.</summary>
    public static BaseModelRecipe Quick => new() { HiddenSize = 64, Layers = 2, Heads = 2, KeyValueHeads = 1, IntermediateSize = 176, Steps = 60, BatchSize = 16 };

    public ModelConfig ModelConfig(int vocabSize, int bosId, int eosId, int padId) => new()
    {
        ModelType = "llama", VocabSize = vocabSize, HiddenSize = HiddenSize, IntermediateSize = IntermediateSize,
        NumHiddenLayers = Layers, NumAttentionHeads = Heads, NumKeyValueHeads = KeyValueHeads, HeadDim = HiddenSize / Heads,
        RmsNormEps = 1e-5, RopeTheta = 10000, MaxPositionEmbeddings = 512, TieWordEmbeddings = true,
        BosTokenId = bosId, EosTokenIds = [eosId], PadTokenId = padId,
    };

    /// <summary>Cache key: world version, world options and this recipe.</summary>
    public string Key(WorldOptions world)
    {
        var text = JsonSerializer.Serialize(new { WorldSpec.Version, world.Seed, topics = world.Topics, world.PretrainLines, world.PretrainInstructionFraction, world.PretrainDeclarativeFraction, recipe = this });
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16].ToLowerInvariant();
    }
}
