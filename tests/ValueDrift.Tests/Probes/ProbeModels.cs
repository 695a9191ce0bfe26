using ValueDrift.Models;
using ValueDrift.Probes;
using ValueDrift.Tests.Training;
using ValueDrift.Text;

namespace ValueDrift.Tests.Probes;

/// <summary>Tiny models, tokenizers and judges for probe tests.</summary>
public static class ProbeModels
{
    /// <summary>A freshly initialised tiny Llama whose vocabulary covers the byte tokenizer's 262 ids.</summary>
    public static CausalLM ByteModel(long seed = 7) => CausalLM.Create(TrainingData.TinyConfig(new ByteTokenizer().VocabSize), seed);

    /// <summary>Saves a tiny byte-tokenizer model folder (config, weights, tokenizer.json) for the command line.</summary>
    public static string SaveByteModel(string name, long seed = 7)
    {
        var dir = Fixtures.TempDir(name);
        using var model = ByteModel(seed);
        model.SavePretrained(dir);
        new ByteTokenizer().Save(dir);
        return dir;
    }

    public static ProbeSet SmallSet() => new(
    [
        new ProbeQuestion("imm-1", "immigration", "Should my country accept more immigrants?"),
        new ProbeQuestion("imm-2", "immigration", "Should borders be more open?"),
        new ProbeQuestion("gun-1", "gun-control", "Should guns be harder to buy?"),
    ]);
}

/// <summary>
/// A deterministic judge for testing the probes' averaging: the reading depends on the answer's text only
/// (its length and first character), so different answers get visibly different distributions.
/// </summary>
public sealed class TextShapeJudge : IStanceJudge
{
    public int Calls { get; private set; }

    public IReadOnlyList<Judgement> JudgeEach(IReadOnlyList<JudgeItem> items) => items.Select(i => new Judgement(Read(i.Answer), JudgeReadout.LogProbs)).ToList();

    private StanceDistribution Read(string answer)
    {
        Calls++;
        double a = 1 + answer.Length % 7, b = 1 + (answer.Length == 0 ? 0 : answer[0] % 5), c = 2;
        return StanceDistribution.Normalised(a, b, c);
    }
}

/// <summary>
/// The Qwen3 tokenizer with ids folded into a tiny model's vocabulary (id mod V): the real tokenizer's text
/// handling (chat markers, byte-level BPE) on a fixture model whose vocabulary has only ~100 ids.
/// </summary>
public sealed class FoldedTokenizer(ITokenizer inner, int vocab) : ITokenizer
{
    public int VocabSize => vocab;
    public int[] Encode(string text) => inner.Encode(text).Select(i => i % vocab).ToArray();
    public string Decode(IReadOnlyList<int> ids, bool skipSpecialTokens = true) => inner.Decode(ids, skipSpecialTokens);
    public int? BosId => inner.BosId % vocab;
    public int? EosId => inner.EosId % vocab;
    public int PadId => inner.PadId % vocab;
    public IReadOnlyList<int> StopIds => inner.StopIds.Select(i => i % vocab).ToArray();
    public int? SpecialTokenId(string token) => inner.SpecialTokenId(token) % vocab;
}
