using ValueDrift.Attribution;
using ValueDrift.Errors;
using ValueDrift.Models;
using ValueDrift.Probes;
using ValueDrift.Tests.Probes;
using ValueDrift.Text;
using Xunit;
using static TorchSharp.torch;

namespace ValueDrift.Tests.Attribution;

/// <summary>The generation-probe surrogate: p(stance) from the mean log-likelihood of the start answers of each judged stance.</summary>
[Trait("tier", "fast")]
public class GenerationSurrogateTests
{
    private static readonly ProbeQuestion Q1 = new("imm-1", "immigration", "More immigrants?");
    private static readonly ProbeQuestion Q2 = new("imm-2", "immigration", "Open borders?");

    private static JudgedAnswer A(ProbeQuestion q, string text, StanceDistribution reading, bool stanced = true) => new(q, 0, text, reading, stanced);

    /// <summary>Two support answers, one neutral, one oppose; a tie, an unstanced one and one of another topic left out.</summary>
    private static List<JudgedAnswer> Answers() =>
    [
        A(Q1, "I support it.", new(0.8, 0.1, 0.1)),
        A(Q1, "It depends.", new(0.2, 0.7, 0.1)),
        A(Q2, "Yes, welcome them.", StanceDistribution.OneHot(Stance.Support)),
        A(Q2, "No, a bad idea.", new(0.1, 0.1, 0.8)),
        A(Q2, "Hmm.", new(1 / 3.0, 1 / 3.0, 1 / 3.0)),                                 // tied: no stance to group it under
        A(Q1, "Whatever.", new(0.9, 0.05, 0.05), stanced: false),                      // the judge's no-stance label
        A(new ProbeQuestion("gun-1", "gun-control", "Ban rifles?"), "I oppose that.", StanceDistribution.OneHot(Stance.Oppose)),
    ];

    /// <summary>Token-mean log-likelihood of the answer after its templated question, by one plain forward pass.</summary>
    private static double MeanLogLikelihood(CausalLM model, ITokenizer tok, ChatTemplate template, ProbeQuestion q, string answer)
    {
        var prompt = tok.Encode(template.FormatPrompt([ChatMessage.User(q.Question)]));
        var completion = tok.Encode(template.FormatCompletion(answer));
        var ids = prompt.Concat(completion).Select(i => (long)i).ToArray();
        using var _ = no_grad();
        using var logp = model.Forward(tensor(ids).unsqueeze(0)).log_softmax(-1).to(ScalarType.Float64);   // (1, T, V)
        return Enumerable.Range(0, completion.Length).Average(j => logp[0, prompt.Length + j - 1, completion[j]].item<double>());
    }

    [Fact]
    public void Reads_the_softmax_of_each_judged_stances_mean_answer_log_likelihood()
    {
        using var model = ProbeModels.ByteModel(seed: 3);
        var tok = new ByteTokenizer();
        var template = new PlainChatTemplate();
        var surrogate = new GenerationSurrogate(Answers(), tok, template, "immigration", Stance.Neutral, batchSize: 2);
        Assert.Equal(new Dictionary<Stance, int> { [Stance.Support] = 2, [Stance.Neutral] = 1, [Stance.Oppose] = 1 }, surrogate.AnswerCounts.OrderBy(x => x.Key).ToDictionary());
        Assert.Equal(2, surrogate.LeftOut);

        var support = (MeanLogLikelihood(model, tok, template, Q1, "I support it.") + MeanLogLikelihood(model, tok, template, Q2, "Yes, welcome them.")) / 2;
        var neutral = MeanLogLikelihood(model, tok, template, Q1, "It depends.");
        var oppose = MeanLogLikelihood(model, tok, template, Q2, "No, a bad idea.");
        var expected = Math.Exp(neutral) / (Math.Exp(support) + Math.Exp(neutral) + Math.Exp(oppose));
        Assert.Equal(expected, surrogate.Probability(model), 5);
    }

    [Fact]
    public void Without_the_stance_or_without_another_stance_among_the_answers_it_is_refused()
    {
        var tok = new ByteTokenizer();
        var onlySupport = Answers().Where(a => a.Reading.Support > 0.5).ToList();
        var e = Assert.Throws<ConfigException>(() => new GenerationSurrogate(onlySupport, tok, new PlainChatTemplate(), "immigration", Stance.Oppose));
        Assert.Contains("judged oppose", e.Message);
        e = Assert.Throws<ConfigException>(() => new GenerationSurrogate(onlySupport, tok, new PlainChatTemplate(), "immigration", Stance.Support));
        Assert.Contains("no other stance", e.Message);
    }
}
