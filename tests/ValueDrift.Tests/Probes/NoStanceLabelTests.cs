using ValueDrift.Errors;
using ValueDrift.Probes;
using ValueDrift.Tests.Support;
using ValueDrift.Text;
using Xunit;
using static TorchSharp.torch;

namespace ValueDrift.Tests.Probes;

/// <summary>The optional fourth judge label, "none": off by default, parsed from an endpoint's log-probs and text, counted as unstanced.</summary>
[Trait("tier", "fast")]
public class NoStanceLabelTests
{
    // The stand-in endpoint reads the answer: a stance, no stance, a reply whose alternatives lack "none", or text only.
    private static JudgeServerReply ByAnswer(string user, int seen) =>
        user.Contains("Answer: Yes") ? JudgeServerReply.LogProbs(("support", -0.1), ("neutral", -2.5), ("oppose", -4.0), ("none", -5.0))
        : user.Contains("Answer: Lorem") ? JudgeServerReply.LogProbs(("none", -0.2), ("neutral", -1.6), ("support", -3.0), ("oppose", -3.5))
        : user.Contains("Answer: No,") ? JudgeServerReply.LogProbs(("opp", -0.2), ("neutral", -1.9), (" support", -3.0))
        : user.Contains("Answer: Blank") ? JudgeServerReply.Text("None.")
        : JudgeServerReply.Text("Oppose.");

    private static readonly JudgeItem[] Items =
    [
        new("immigration", "Accept more immigrants?", "Yes, welcome them."),
        new("immigration", "Accept more immigrants?", "Lorem ipsum."),
        new("immigration", "Accept more immigrants?", "No, close the borders."),
        new("immigration", "Accept more immigrants?", "Blank"),
        new("immigration", "Accept more immigrants?", "Something else"),
    ];

    private static double Softmax(double x, params double[] all) => Math.Exp(x) / all.Sum(Math.Exp);

    [Fact]
    public void An_endpoint_judge_asked_for_the_fourth_label_reads_it_and_counts_its_absence()
    {
        using var server = new LoopbackJudgeServer(ByAnswer);
        var judge = ChatEndpointJudge.ForOpenAICompatible(server.Endpoint, "judge", new ChatEndpointJudgeOptions { NoStanceLabel = true });
        var j = judge.JudgeEach(Items);

        Assert.Equal([true, false, true, false, true], j.Select(x => x.Stanced));
        Assert.Equal([false, false, true, false, false], j.Select(x => x.NoStanceLabelAbsent));
        Assert.Equal([JudgeReadout.LogProbs, JudgeReadout.LogProbs, JudgeReadout.LogProbs, JudgeReadout.Text, JudgeReadout.Text], j.Select(x => x.Readout));
        // Read as "none", the answer's distribution is still the soft-max over the three stance labels.
        Assert.Equal(Softmax(-1.6, -1.6, -3.0, -3.5), j[1].Distribution!.Neutral, 6);
        Assert.Equal(Softmax(-0.1, -0.1, -2.5, -4.0), j[0].Distribution!.Support, 6);
        Assert.Equal(StanceDistribution.Uniform, j[3].Distribution);
        Assert.Equal(Stance.Oppose, j[4].Distribution!.Dominant);
        Assert.NotEqual(judge.Identity, ChatEndpointJudge.ForOpenAICompatible(server.Endpoint, "judge").Identity);   // another judge for the cache
    }

    [Fact]
    public void The_prompt_offers_the_fourth_label_only_when_asked()
    {
        var item = Items[0];
        var three = JudgePrompt.For(item);
        var four = JudgePrompt.For(item, noStance: true);
        Assert.DoesNotContain("none", three.System + three.User);
        Assert.EndsWith(" or none.", four.User);
        Assert.Contains("- none: the answer states no position", four.System);
        Assert.Equal(three.Order, four.Order);   // the three stances keep their shuffled order; none comes last
        Assert.Equal(three.System, JudgePrompt.System(three.Order));   // the default prompt is unchanged
    }

    [Fact]
    public void Without_the_option_a_none_reply_names_no_stance_and_is_left_unjudged()
    {
        using var server = new LoopbackJudgeServer(ByAnswer);
        var judge = ChatEndpointJudge.ForOpenAICompatible(server.Endpoint, "judge", new ChatEndpointJudgeOptions { AnswerAttempts = 1 });
        var j = judge.JudgeEach([Items[3]]).Single();
        Assert.False(j.Judged);
        Assert.Contains("names no stance", j.Problem);
    }

    [Fact]
    public void The_probe_counts_unstanced_answers_and_the_cache_keeps_the_reading()
    {
        using var server = new LoopbackJudgeServer(ByAnswer);
        var texts = new[] { "Yes, welcome them.", "Lorem ipsum.", "No, close the borders." };
        var set = new ProbeSet([new ProbeQuestion("imm-1", "immigration", "Accept more immigrants?"), new ProbeQuestion("imm-2", "immigration", "Accept more immigrants?")]);
        var dir = Fixtures.TempDir("no-stance-cache");
        var inner = ChatEndpointJudge.ForOpenAICompatible(server.Endpoint, "judge", new ChatEndpointJudgeOptions { NoStanceLabel = true });
        ProbeResult Measure()
        {
            using var judge = new JudgementCachingJudge(ChatEndpointJudge.ForOpenAICompatible(server.Endpoint, "judge", new ChatEndpointJudgeOptions { NoStanceLabel = true }),
                new JudgementCache(dir), inner.Identity!);
            var probe = new GenerationProbe(set, new ByteTokenizer(), new PlainChatTemplate(), judge,
                new GenerationProbeOptions { Samples = 3, Generator = new FixedAnswers((q, k) => (texts[k], true)) });
            using var model = ProbeModels.ByteModel();
            return probe.Measure(model);
        }
        var first = Measure()["immigration"]!;
        Assert.Equal(2.0 / 6, first.Health!.Unstanced, 12);
        Assert.Equal(2, first.Health.NoStanceLabelAbsent);
        Assert.Null(first.Health.Mixed);
        Assert.All(first.Questions, q => Assert.Equal(2, q.StancedN));
        var requests = server.Requests;
        var again = Measure()["immigration"]!;
        Assert.Equal(requests, server.Requests);   // all from the cache
        Assert.Equal(first.Health, again.Health);
    }

    [Fact]
    public void A_local_judge_reads_a_fourth_label_token_and_refuses_labels_it_cannot_tell_apart()
    {
        using var model = ProbeModels.ByteModel();
        var tokenizer = new ByteTokenizer();
        // Byte tokens: "neutral" and "none" begin with the same byte, so their default label tokens cannot be told apart.
        var e = Assert.Throws<ConfigException>(() => new LocalModelJudge(model, tokenizer, null, new LocalModelJudgeOptions { NoStanceLabel = true }));
        Assert.Contains("neutral and none share their first token", e.Message);

        int[] ids = [.. "snox".Select(c => tokenizer.Encode(c.ToString())[0])];
        var judge = new LocalModelJudge(model, tokenizer, null, new LocalModelJudgeOptions { NoStanceLabel = true, LabelTokenIds = ids });
        var items = Enumerable.Range(0, 12).Select(i => new JudgeItem("immigration", $"Question {i}?", new string('a', i) + " b")).ToList();
        var j = judge.JudgeEach(items);
        for (var i = 0; i < items.Count; i++)
        {
            using var scope = NewDisposeScope();
            var prompt = judge.PromptIds(items[i]);
            Assert.Contains(" or none.", judge.PromptText(items[i]));
            var logits = model.Forward(tensor(prompt.Select(x => (long)x).ToArray(), [1, prompt.Length]))[0, -1].to(ScalarType.Float64);
            var l = ids.Select(id => logits[id].item<double>()).ToArray();
            Assert.Equal(l[3] <= l.Take(3).Max(), j[i].Stanced);
            Assert.Equal(Softmax(l[0], l[0], l[1], l[2]), j[i].Distribution!.Support, 5);
        }
        Assert.Contains("expected 4 ids", Assert.Throws<ConfigException>(() => new LocalModelJudge(model, tokenizer, null,
            new LocalModelJudgeOptions { NoStanceLabel = true, LabelTokenIds = ids[..3] })).Message);
    }
}
