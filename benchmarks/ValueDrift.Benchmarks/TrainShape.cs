using ValueDrift.Data;
using ValueDrift.Models;

namespace ValueDrift.Benchmarks;

/// <summary>
/// One benchmarked model and batch: a Llama decoder with head size 64, half as many key/value heads as query heads,
/// SwiGLU width ≈ 8/3 · d_model, a tied head. <see cref="Batch"/> counts sequences for SFT and pairs for DPO
/// (a DPO step runs 2·Batch sequences: chosen, then rejected).
/// </summary>
public sealed record TrainShape(int DModel, int Layers, int Batch, int Seq, int Vocab = 2048)
{
    public int Heads => Math.Max(1, DModel / 64);
    public int KvHeads => Math.Max(1, Heads / 2);
    public int Ffn => (int)Math.Ceiling(DModel * 8.0 / 3 / 32) * 32;

    public string Label => $"d{DModel} L{Layers} B{Batch} T{Seq}";

    public ModelConfig ModelConfig() => new()
    {
        ModelType = "llama", VocabSize = Vocab, HiddenSize = DModel, IntermediateSize = Ffn, NumHiddenLayers = Layers,
        NumAttentionHeads = Heads, NumKeyValueHeads = KvHeads, HeadDim = DModel / Heads, RmsNormEps = 1e-5,
        RopeTheta = 10000, MaxPositionEmbeddings = Math.Max(2048, Seq), TieWordEmbeddings = true,
        BosTokenId = 1, EosTokenIds = [2], PadTokenId = 0,
    };

    /// <summary>Rows of random tokens, every token in the loss (SFT with trainOnPrompt).</summary>
    public IReadOnlyList<TokenizedExample> SftData(int count, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => new TokenizedExample([], Tokens(rng, Seq))).ToList();
    }

    /// <summary>Pairs whose prompt is half the sequence and whose chosen and rejected answers fill the other half.</summary>
    public IReadOnlyList<TokenizedPreference> PreferenceData(int count, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => new TokenizedPreference(Tokens(rng, Seq / 2), Tokens(rng, Seq - Seq / 2), Tokens(rng, Seq - Seq / 2))).ToList();
    }

    private int[] Tokens(Random rng, int n) => Enumerable.Range(0, n).Select(_ => rng.Next(3, Vocab)).ToArray();
}
