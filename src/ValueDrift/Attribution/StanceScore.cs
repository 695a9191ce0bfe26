using ValueDrift.Errors;
using ValueDrift.Models;
using ValueDrift.Probes;
using static TorchSharp.torch;

namespace ValueDrift.Attribution;

/// <summary>
/// A differentiable reading of one stance on one topic, built on the <see cref="LikelihoodProbe"/>: per question,
/// with L_t the probe's mean token log-likelihood of stance t's reference answers and p = soft-max(L),
/// <code>S_q = log p(s) − log(1 − p(s)) = L_s − log Σ_{t≠s} exp L_t</code>
/// (the log-odds of the stance against the other two), and the score is the mean of S_q over the topic's questions.
/// It rises exactly when the probe's p(s) of each question rises, and unlike p it does not flatten near 0 or 1, so its
/// gradient w.r.t. the parameters says which way they must move to shift the stance. Stances are read as the probe
/// reports them: a question of polarity −1 has its support and oppose references swapped.
/// </summary>
public sealed class StanceScore
{
    private readonly LikelihoodProbe _probe;
    private readonly IReadOnlyList<LikelihoodItem> _items;

    public string Topic { get; }
    public Stance Stance { get; }

    public StanceScore(LikelihoodProbe probe, string topic, Stance stance)
    {
        if (!probe.Topics.Contains(topic, StringComparer.Ordinal))
            throw new ConfigException("attribution", "topic", $"unknown topic '{topic}'; the probe has {string.Join(", ", probe.Topics)}");
        _probe = probe;
        _items = probe.Items.Where(i => i.Topic == topic).ToList();
        Topic = topic;
        Stance = stance;
    }

    /// <summary>Parses a stance label, or a <see cref="ConfigException"/> naming the option.</summary>
    public static Stance ParseStance(string label) =>
        StanceLabels.TryParse(label) ?? throw new ConfigException("attribution", "stance", $"unknown stance '{label}'; expected support, neutral or oppose");

    /// <summary>The score as a scalar tensor with its autograd graph (the model's mode untouched).</summary>
    public Tensor Compute(CausalLM model)
    {
        using var scope = NewDisposeScope();
        Tensor? total = null;
        foreach (var item in _items)
        {
            var (examples, stances) = _probe.ReferenceExamples(model, item);
            var ll = _probe.AnswerLogLikelihoodsWithGrad(model, examples);                           // (N)
            var raw = RawIndex(Stance, item.Polarity);
            var byStance = StanceLabels.All.Select(s =>
            {
                var idx = Enumerable.Range(0, stances.Count).Where(i => stances[i] == s).Select(i => (long)i).ToArray();
                return ll.index_select(0, tensor(idx, device: ll.device)).mean();
            }).ToArray();
            var others = stack(byStance.Where((_, i) => i != raw).ToArray()).logsumexp(0);
            var q = byStance[raw] - others;
            total = total is null ? q : total + q;
        }
        return (total! / _items.Count).MoveToOuterDisposeScope();
    }

    /// <summary>The score's value without a graph.</summary>
    public double Value(CausalLM model)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        return Compute(model).to(ScalarType.Float64).item<double>();
    }

    /// <summary>The topic's p(stance) as the likelihood probe reports it (mean over questions, oriented).</summary>
    public double Probability(CausalLM model) =>
        _probe.MeasureTopics(model).First(t => t.Topic == Topic).Value.ToArray()[StanceLabels.All.ToList().IndexOf(Stance)];

    /// <summary>S_q from the three L values in the fixed stance order: the reference the tensor version is checked against.</summary>
    public static double LogOdds(IReadOnlyList<double> l, int stanceIndex)
    {
        var others = Enumerable.Range(0, l.Count).Where(i => i != stanceIndex).Select(i => l[i]).ToArray();
        double m = others.Max();
        return l[stanceIndex] - (m + Math.Log(others.Sum(x => Math.Exp(x - m))));
    }

    /// <summary>Index of the references to read for an oriented stance: support and oppose swap under polarity −1.</summary>
    private static int RawIndex(Stance oriented, int? polarity)
    {
        var s = (polarity ?? 1) == -1 ? oriented switch { Stance.Support => Stance.Oppose, Stance.Oppose => Stance.Support, _ => oriented } : oriented;
        return StanceLabels.All.ToList().IndexOf(s);
    }
}
