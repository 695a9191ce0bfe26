using ValueDrift.Errors;
using ValueDrift.Probes;
using ValueDrift.Text;
using ValueDrift.World;
using Xunit;
using static TorchSharp.torch;

namespace ValueDrift.Tests.Probes;

[Trait("tier", "fast")]
public class LikelihoodProbeTests
{
    private static LikelihoodItem Item(string id, string topic, string question, string[] support, string[] neutral, string[] oppose) =>
        new(id, topic, question, new Dictionary<Stance, IReadOnlyList<string>>
        {
            [Stance.Support] = support, [Stance.Neutral] = neutral, [Stance.Oppose] = oppose,
        });

    private static readonly LikelihoodItem[] Items =
    [
        Item("imm-1", "immigration", "More immigrants?", ["I support it.", "Yes, welcome them."], ["It depends."], ["I oppose it.", "No.", "I am against it."]),
        Item("imm-2", "immigration", "Open borders?", ["Yes."], ["Both sides have a point."], ["No, a bad idea."]),
        Item("gun-1", "gun-control", "Ban rifles?", ["I support a ban."], ["Hard to say."], ["I oppose that."]),
    ];

    /// <summary>Token-mean log-likelihood of the completion, from one unbatched forward pass, in double precision.</summary>
    private static double HandLogLikelihood(ValueDrift.Models.CausalLM model, int[] prompt, int[] completion)
    {
        var ids = prompt.Concat(completion).Select(i => (long)i).ToArray();
        using var _ = no_grad();
        using var logits = model.Forward(tensor(ids).unsqueeze(0))[0];      // (T, V)
        var V = (int)logits.shape[1];
        var data = logits.data<float>().ToArray();
        double sum = 0;
        for (var t = prompt.Length; t < ids.Length; t++)
        {
            var row = data.Skip((t - 1) * V).Take(V).Select(x => (double)x).ToArray();
            var max = row.Max();
            var logZ = max + Math.Log(row.Sum(x => Math.Exp(x - max)));
            sum += row[ids[t]] - logZ;
        }
        return sum / completion.Length;
    }

    [Fact]
    public void EqualsAHandComputationFromTheForwardLogits()
    {
        using var model = ProbeModels.ByteModel(seed: 11);
        var tok = new ByteTokenizer();
        var template = new PlainChatTemplate();
        var result = new LikelihoodProbe(Items, tok, template, batchSize: 3).Measure(model);

        var perQuestion = Items.ToDictionary(i => i.Id, item =>
        {
            var prompt = tok.Encode("User: " + item.Question + "\nAssistant: ");
            var scores = StanceLabels.All.Select(s => item.Answers[s].Average(a => HandLogLikelihood(model, prompt, tok.Encode(a + "<|eos|>")))).ToArray();
            var max = scores.Max();
            var e = scores.Select(x => Math.Exp(x - max)).ToArray();
            return e.Select(x => x / e.Sum()).ToArray();
        });

        Assert.Equal(["immigration", "gun-control"], result.Topics.Select(t => t.Topic));
        var imm = result["immigration"]!;
        Assert.Equal(2, imm.N);
        Assert.Equal(1, result["gun-control"]!.N);
        for (var s = 0; s < 3; s++)
        {
            Assert.Equal((perQuestion["imm-1"][s] + perQuestion["imm-2"][s]) / 2, imm.Value.ToArray()[s], 5);
            Assert.Equal(perQuestion["imm-1"][s], imm.Questions[0].Value.ToArray()[s], 5);
            Assert.Equal(perQuestion["gun-1"][s], result["gun-control"]!.Value.ToArray()[s], 5);
        }
        Assert.All(imm.Questions, q => Assert.Null(q.Answers));
        // Deterministic: a second measurement is identical.
        Assert.Equal(imm.Value, new LikelihoodProbe(Items, tok, template, batchSize: 1).Measure(model)["immigration"]!.Value, new Close());
    }

    [Fact]
    public void ForWorldUsesTheWorldProbeQuestionsWithSeededReferencesOfEachStance()
    {
        var tok = new ByteTokenizer();
        var probe = WorldLikelihoodItems.Probe(tok, new PlainChatTemplate(), ["immigration", "abortion"], answersPerStance: 2, seed: 5);
        var expectedQuestions = WorldProbeQuestions.ForIds(["immigration", "abortion"]);
        Assert.Equal(expectedQuestions.Select(q => q.Id), probe.Items.Select(i => i.Id));
        Assert.Equal(expectedQuestions.Select(q => q.Question), probe.Items.Select(i => i.Question));
        foreach (var item in probe.Items)
            foreach (var s in StanceLabels.All)
            {
                Assert.Equal(2, item.Answers[s].Distinct().Count());
                Assert.All(item.Answers[s], a => Assert.Equal((WorldStance)(int)s, WorldStanceLookup.Judge(a)));
            }
        var again = WorldLikelihoodItems.Probe(tok, new PlainChatTemplate(), ["immigration", "abortion"], answersPerStance: 2, seed: 5);
        Assert.Equal(probe.Items.SelectMany(i => i.Answers[Stance.Oppose]), again.Items.SelectMany(i => i.Answers[Stance.Oppose]));
        var otherSeed = WorldLikelihoodItems.Probe(tok, new PlainChatTemplate(), ["immigration", "abortion"], answersPerStance: 2, seed: 6);
        Assert.NotEqual(probe.Items.SelectMany(i => i.Answers[Stance.Oppose]), otherSeed.Items.SelectMany(i => i.Answers[Stance.Oppose]));
    }

    [Fact]
    public void ItemsNeedReferencesOfEveryStance()
    {
        var bad = Item("x", "t", "q", ["yes"], [], ["no"]);
        var e = Assert.Throws<ConfigException>(() => new LikelihoodProbe([bad], new ByteTokenizer(), new PlainChatTemplate()));
        Assert.Contains("x.answers.neutral", e.Message);
    }

    [Fact]
    public void LabelledAnswersBecomeItemsByQuestion()
    {
        var items = LikelihoodProbe.FromLabelled(LabelledAnswer.OpenValues());
        var labelled = LabelledAnswer.OpenValues();
        Assert.Equal(labelled.Select(a => a.Id).Distinct(), items.Select(i => i.Id));
        foreach (var item in items)
            foreach (var s in StanceLabels.All)
                Assert.Equal(labelled.Where(a => a.Id == item.Id && a.Gold == s).Select(a => a.Answer), item.Answers[s]);
    }

    private sealed class Close : IEqualityComparer<StanceDistribution>
    {
        public bool Equals(StanceDistribution? a, StanceDistribution? b) =>
            a is not null && b is not null && a.ToArray().Zip(b.ToArray()).All(p => Math.Abs(p.First - p.Second) < 1e-5);
        public int GetHashCode(StanceDistribution d) => 0;
    }
}
