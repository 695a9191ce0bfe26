using ValueDrift.Data;
using ValueDrift.Errors;
using ValueDrift.Models;
using ValueDrift.Text;
using ValueDrift.Training;
using static TorchSharp.torch;

namespace ValueDrift.Probes;

/// <summary>
/// A probe that reads what the model finds likely rather than what it says: exact, deterministic and cheap (one
/// forward pass per reference answer, no sampling, no judge). For each question, with reference answers of each
/// stance:
/// <list type="number">
/// <item>ℓ(y) = the token-mean log-likelihood of reference answer y given the chat-templated question (the answer's
/// completion tokens, the template's end-of-turn marker included, as trained; <see cref="SequenceLogProbs"/>.Mean);</item>
/// <item>L_s = the mean of ℓ over the stance's reference answers;</item>
/// <item>p(s) = soft-max over the three stances of L_s (temperature 1);</item>
/// </list>
/// and a topic's value is the mean of p over its questions. <see cref="TopicMeasurement.N"/> is the number of
/// questions (each question has N = 1 and no per-answer detail, so bands bootstrap over questions).
/// <para>Length normalisation keeps a long reference answer from losing to a short one merely for its length.
/// Unlike <see cref="GenerationProbe"/>, this measures the model's preferences among fixed answers; a model may find
/// a stance likely without ever producing it at temperature 0.7, so the two probes need not agree.</para>
/// </summary>
public sealed class LikelihoodProbe : IStanceProbe
{
    private readonly ITokenizer _tokenizer;
    private readonly ChatTemplate _template;

    public IReadOnlyList<LikelihoodItem> Items { get; }

    /// <summary>Sequences scored in one forward pass.</summary>
    public int BatchSize { get; }

    /// <summary>Topics in order of first appearance among the items.</summary>
    public IReadOnlyList<string> Topics { get; }

    public LikelihoodProbe(IReadOnlyList<LikelihoodItem> items, ITokenizer tokenizer, ChatTemplate template, int batchSize = 16)
    {
        if (items.Count == 0) throw new ConfigException("likelihood probe", "items", "no questions to probe");
        if (batchSize <= 0) throw new ConfigException("likelihood probe", "batch_size", $"must be > 0 (got {batchSize})");
        foreach (var item in items)
            foreach (var s in StanceLabels.All)
                if (!item.Answers.TryGetValue(s, out var a) || a.Count == 0 || a.Any(string.IsNullOrWhiteSpace))
                    throw new ConfigException("likelihood probe", $"{item.Id}.answers.{s.Label()}", "needs at least one non-empty reference answer of every stance");
        Items = items;
        _tokenizer = tokenizer;
        _template = template;
        BatchSize = batchSize;
        Topics = items.Select(i => i.Topic).Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>Likelihood items from labelled answers: grouped by question id, each answer a reference of its gold stance.</summary>
    public static IReadOnlyList<LikelihoodItem> FromLabelled(IEnumerable<LabelledAnswer> answers) =>
        answers.GroupBy(a => a.Id).Select(g =>
        {
            var first = g.First();
            var byStance = StanceLabels.All.ToDictionary(s => s, s => (IReadOnlyList<string>)g.Where(a => a.Gold == s).Select(a => a.Answer).ToList());
            return new LikelihoodItem(first.Id, first.Topic, first.Question, byStance);
        }).ToList();

    public ProbeResult Measure(CausalLM model) => new(MeasureTopics(model).ToList());

    /// <summary>Measures topic by topic, yielding each topic when done (same numbers as <see cref="Measure"/>).</summary>
    public IEnumerable<TopicMeasurement> MeasureTopics(CausalLM model)
    {
        foreach (var topic in Topics)
        {
            List<QuestionDetail> details;
            using (Common.PhaseProfile.Measure(Common.PhaseProfile.Phases.Likelihood))
            {
                var questions = Items.Where(i => i.Topic == topic).ToList();
                var scores = StanceScores(model, questions);
                details = questions.Select((q, i) => QuestionDetail.Oriented(q.Id, StanceDistribution.From(scores[i]), 1, q.Polarity)).ToList();
            }
            yield return TopicMeasurement.FromQuestions(topic, details);
        }
    }

    /// <summary>L_s for one item: the mean over the stance's references of their token-mean log-likelihood, in the fixed stance order.</summary>
    public double[] StanceScores(CausalLM model, LikelihoodItem item) => StanceScores(model, [item])[0];

    /// <summary>
    /// L_s of several items, their reference answers scored together in batches of <see cref="BatchSize"/> (one item
    /// has only a few references, so batching per item would leave most of each batch empty).
    /// </summary>
    public IReadOnlyList<double[]> StanceScores(CausalLM model, IReadOnlyList<LikelihoodItem> items)
    {
        var perItem = items.Select(item => ReferenceExamples(model, item)).ToList();
        var means = AnswerLogLikelihoods(model, perItem.SelectMany(p => p.Examples).ToList());
        var result = new List<double[]>(items.Count);
        var at = 0;
        foreach (var (examples, stanceOf) in perItem)
        {
            var mine = means.AsSpan(at, examples.Count).ToArray();
            at += examples.Count;
            result.Add(StanceLabels.All.Select(s => Enumerable.Range(0, mine.Length).Where(i => stanceOf[i] == s).Average(i => mine[i])).ToArray());
        }
        return result;
    }

    /// <summary>The item's reference answers as (chat-templated question, answer) token ids, each with its stance (raw, not oriented), in the fixed stance order.</summary>
    public (IReadOnlyList<TokenizedExample> Examples, IReadOnlyList<Stance> Stances) ReferenceExamples(CausalLM model, LikelihoodItem item)
    {
        var prompt = _tokenizer.Encode(_template.FormatPrompt([ChatMessage.User(item.Question)]));
        GenerationProbe.CheckIds(prompt, model, item.Id);
        var examples = new List<TokenizedExample>();
        var stanceOf = new List<Stance>();
        foreach (var s in StanceLabels.All)
            foreach (var answer in item.Answers[s])
            {
                var completion = _tokenizer.Encode(_template.FormatCompletion(answer));
                GenerationProbe.CheckIds(completion, model, $"{item.Id} ({s.Label()} reference)");
                examples.Add(new TokenizedExample(prompt, completion));
                stanceOf.Add(s);
            }
        return (examples, stanceOf);
    }

    /// <summary>
    /// Token-mean log-likelihood ℓ(y) of each example's completion, as <see cref="AnswerLogLikelihoods"/> but with the
    /// autograd graph kept (one forward over all examples, the model's mode untouched): (N) float32, for gradients of
    /// scores built on the probe.
    /// </summary>
    public Tensor AnswerLogLikelihoodsWithGrad(CausalLM model, IReadOnlyList<TokenizedExample> examples)
    {
        using var scope = NewDisposeScope();
        var batch = Batching.Collate(examples, _tokenizer.PadId, device: model.Device);
        var logits = model.Forward(batch.InputIds);     // (N, T, V)
        return SequenceLogProbs.Compute(logits, batch.InputIds, batch.CompletionMask).Mean.MoveToOuterDisposeScope();   // (N)
    }

    /// <summary>
    /// Token-mean log-likelihood of each example's completion given its prompt, in batches of <see cref="BatchSize"/>
    /// completions whose shared prompts run once (<see cref="SharedPromptScoring"/>); eval mode, no gradients, mode restored.
    /// </summary>
    public double[] AnswerLogLikelihoods(CausalLM model, IReadOnlyList<TokenizedExample> examples)
    {
        var result = new double[examples.Count];
        var wasTraining = model.training;
        model.eval();
        try
        {
            using var _ = no_grad();
            var at = 0;
            foreach (var chunk in examples.Chunk(BatchSize))
            {
                using var scope = NewDisposeScope();
                // A question's references share its prompt, which runs once for all of them.
                var mean = SharedPromptScoring.MeanLogLikelihoods(model, chunk, _tokenizer.PadId).to(ScalarType.Float64).cpu();   // (B)
                foreach (var v in mean.data<double>()) result[at++] = v;
            }
        }
        finally
        {
            if (wasTraining) model.train();
        }
        return result;
    }
}
