using TorchSharp.Modules;
using ValueDrift.Models;
using ValueDrift.Probes;
using ValueDrift.Text;
using static TorchSharp.torch;

namespace ValueDrift.Tests.Attribution;

/// <summary>Shared pieces of the attribution tests: a likelihood probe over two topics and parameter-vector helpers.</summary>
public static class AttributionModels
{
    private static LikelihoodItem Item(string id, string topic, string question, string[] support, string[] neutral, string[] oppose, int? polarity = null) =>
        new(id, topic, question, new Dictionary<Stance, IReadOnlyList<string>>
        {
            [Stance.Support] = support, [Stance.Neutral] = neutral, [Stance.Oppose] = oppose,
        }, polarity);

    public static IReadOnlyList<LikelihoodItem> Items(int? polarity = null) =>
    [
        Item("imm-1", "immigration", "More immigrants?", ["I support it.", "Yes, welcome them."], ["It depends."], ["I oppose it.", "No."], polarity),
        Item("imm-2", "immigration", "Open borders?", ["Yes."], ["Both sides have a point."], ["No, a bad idea."], polarity),
        Item("gun-1", "gun-control", "Ban rifles?", ["I support a ban."], ["Hard to say."], ["I oppose that."]),
    ];

    public static LikelihoodProbe Probe(int? polarity = null) => new(Items(polarity), new ByteTokenizer(), new PlainChatTemplate(), batchSize: 4);

    /// <summary>A seeded random direction with one tensor per parameter, of unit norm overall.</summary>
    public static List<Tensor> Direction(CausalLM model, long seed)
    {
        var g = new Generator((ulong)seed);
        var v = model.parameters().Select(p => randn(p.shape, generator: g)).ToList();
        var norm = Math.Sqrt(v.Sum(t => t.pow(2).sum().item<float>()));
        return v.Select(t => t / norm).ToList();
    }

    /// <summary>θ ← θ + ε·v, in place.</summary>
    public static void Move(CausalLM model, IReadOnlyList<Tensor> v, double eps)
    {
        using var _ = no_grad();
        foreach (var (p, d) in model.parameters().Zip(v)) p.add_(d * eps);
    }

    /// <summary>The parameters' .grad flattened in order (zeros where none), as doubles.</summary>
    public static double[] Grads(IEnumerable<Parameter> parameters) =>
        parameters.SelectMany(p => p.grad is { } g ? g.detach().reshape(-1).data<float>().ToArray() : new float[p.numel()]).Select(x => (double)x).ToArray();

    public static void ZeroGrads(CausalLM model)
    {
        foreach (var p in model.parameters()) p.grad?.zero_();
    }
}
