using ValueDrift.Data;
using ValueDrift.Errors;
using ValueDrift.Models;
using ValueDrift.Probes;
using ValueDrift.Text;
using static TorchSharp.torch;

namespace ValueDrift.Attribution;

/// <summary>
/// A generation-probe surrogate of a stance's drift, for the ablation: the model's own answers, sampled from the
/// stage's start model with the generation probe's settings and read by its judge, are kept fixed, and any model is
/// read by how likely it finds them. Each answer is labelled with its judged stance (the most probable; answers on no
/// stance and ties left out). With ℓ(y) the token-mean log-likelihood of answer y given its chat-templated question
/// (as the likelihood probe scores its references), L_t the mean of ℓ over the topic's answers labelled t (pooled over
/// its questions: a question's few samples rarely cover every stance) and p = soft-max of L over the stances that have
/// answers, the surrogate reads p(s), and its drift is M = p_s(end) − p_s(start).
/// <para>Deterministic and cheap like the likelihood probe, but in the model's own words as the generation probe
/// samples them, not in reference answers written by the world's generator (neither the training sets' words nor
/// held-out ones). What it cannot see: answers the start model never gives.</para>
/// </summary>
public sealed class GenerationSurrogate
{
    /// <summary>Answers sampled per question at the start: eight, so ten questions give 80 answers to group by stance.</summary>
    public const int DefaultSamples = 8;

    private readonly IReadOnlyDictionary<Stance, IReadOnlyList<TokenizedExample>> _byStance;
    private readonly int _padId;
    private readonly int _batchSize;

    public string Topic { get; }
    public Stance Stance { get; }

    /// <summary>The start answers of each judged stance (stances without answers absent).</summary>
    public IReadOnlyDictionary<Stance, int> AnswerCounts => _byStance.ToDictionary(x => x.Key, x => x.Value.Count);

    /// <summary>Sampled answers the judge placed on no stance, or on no single most probable one: left out.</summary>
    public int LeftOut { get; }

    /// <param name="answers">The start model's judged answers (those of other topics are ignored).</param>
    public GenerationSurrogate(IEnumerable<JudgedAnswer> answers, ITokenizer tokenizer, ChatTemplate template, string topic, Stance stance, int batchSize = 32)
    {
        var mine = answers.Where(a => a.Question.Topic == topic).ToList();
        var labelled = mine.Select(a => a.Labelled()).OfType<LabelledAnswer>().ToList();
        LeftOut = mine.Count - labelled.Count;
        _byStance = labelled.GroupBy(a => a.Gold).ToDictionary(g => g.Key, g => (IReadOnlyList<TokenizedExample>)g
            .Select(a => new TokenizedExample(tokenizer.Encode(template.FormatPrompt([ChatMessage.User(a.Question)])), tokenizer.Encode(template.FormatCompletion(a.Answer))))
            .ToList());
        if (!_byStance.ContainsKey(stance))
            throw new ConfigException("attribution", "generation surrogate",
                $"none of the start model's {mine.Count} sampled answers on '{topic}' was judged {stance.Label()} ({LeftOut} on no stance): no drift of that stance to read in its own answers");
        if (_byStance.Count < 2)
            throw new ConfigException("attribution", "generation surrogate",
                $"every stance-taking answer of the start model on '{topic}' was judged {stance.Label()}: no other stance to read it against");
        _padId = tokenizer.PadId;
        _batchSize = batchSize;
        Topic = topic;
        Stance = stance;
    }

    /// <summary>
    /// The start model's answers on <paramref name="topic"/>: <paramref name="probe"/> (its questions, settings and
    /// judge) measures <paramref name="start"/> and its judged answers are kept.
    /// </summary>
    public static GenerationSurrogate Sample(CausalLM start, GenerationProbe probe, ITokenizer tokenizer, ChatTemplate template, string topic, Stance stance)
    {
        var measured = probe.Measure(start)[topic] ?? throw new ConfigException("attribution", "topic", $"the surrogate's probe has no questions on '{topic}'");
        return new GenerationSurrogate(measured.JudgedAnswers!, tokenizer, template, topic, stance);
    }

    /// <summary>p(s) under <paramref name="model"/>: the soft-max over stances of the mean ℓ of each stance's start answers.</summary>
    public double Probability(CausalLM model)
    {
        var wasTraining = model.training;
        model.eval();
        try
        {
            using var _ = no_grad();
            var means = new Dictionary<Stance, double>();
            foreach (var (s, examples) in _byStance)
            {
                double sum = 0;
                foreach (var chunk in examples.Chunk(_batchSize))
                {
                    using var scope = NewDisposeScope();
                    sum += SharedPromptScoring.MeanLogLikelihoods(model, chunk, _padId).to(ScalarType.Float64).sum().item<double>();
                }
                means[s] = sum / examples.Count;
            }
            return Probability(means, Stance);
        }
        finally
        {
            if (wasTraining) model.train();
        }
    }

    /// <summary>p(s) = exp L_s / Σ_t exp L_t over the stances given (the numbers the tensor path is checked against).</summary>
    public static double Probability(IReadOnlyDictionary<Stance, double> meanLogLikelihoods, Stance stance)
    {
        var m = meanLogLikelihoods.Values.Max();
        return Math.Exp(meanLogLikelihoods[stance] - m) / meanLogLikelihoods.Values.Sum(l => Math.Exp(l - m));
    }
}
