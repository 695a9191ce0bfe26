using ValueDrift.Data;
using ValueDrift.Models;

namespace ValueDrift.Tests.Training;

/// <summary>Small deterministic datasets and models for trainer tests.</summary>
public static class TrainingData
{
    public static ModelConfig TinyConfig(int vocab = 40) => new()
    {
        ModelType = "llama", VocabSize = vocab, HiddenSize = 32, IntermediateSize = 64, NumHiddenLayers = 2,
        NumAttentionHeads = 4, NumKeyValueHeads = 2, HeadDim = 8, RopeTheta = 10000, TieWordEmbeddings = true, EosTokenIds = [2],
    };

    /// <summary>SFT rows: prompt "k a b" → completion "b a k 2" (a learnable reversal), varied lengths.</summary>
    public static List<TokenizedExample> Sft(int n, int seed = 1)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ =>
        {
            var prompt = Enumerable.Range(0, 2 + rng.Next(4)).Select(_ => 3 + rng.Next(30)).ToArray();
            return new TokenizedExample(prompt, prompt.Reverse().Append(2).ToArray());
        }).ToList();
    }

    /// <summary>Preference pairs whose chosen answer repeats the prompt and whose rejected answer is noise.</summary>
    public static List<TokenizedPreference> Preferences(int n, int seed = 2)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ =>
        {
            var prompt = Enumerable.Range(0, 2 + rng.Next(3)).Select(_ => 3 + rng.Next(30)).ToArray();
            var rejected = Enumerable.Range(0, 1 + rng.Next(5)).Select(_ => 3 + rng.Next(30)).Append(2).ToArray();
            return new TokenizedPreference(prompt, prompt.Append(2).ToArray(), rejected);
        }).ToList();
    }
}
