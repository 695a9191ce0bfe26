using ValueDrift.Drift;
using ValueDrift.Probes;
using ValueDrift.Text;
using ValueDrift.World;
using Xunit;

namespace ValueDrift.Tests.Probes;

/// <summary>Answers given as fixed texts, as an endpoint would return them (no token ids).</summary>
internal sealed class FixedAnswers(Func<ProbeQuestion, int, (string Text, bool Stopped)> answer) : IAnswerGenerator
{
    public IReadOnlyList<SampledAnswer> Generate(IReadOnlyList<AnswerPrompt> prompts, GenerationProbeOptions options) =>
        prompts.SelectMany(p => Enumerable.Range(0, options.Samples).Select(k =>
        {
            var (text, stopped) = answer(p.Question, k);
            return new SampledAnswer(p.Question, k, text, stopped);
        })).ToList();
}

[Trait("tier", "fast")]
public class AnswerHealthTests
{
    /// <summary>The JSON line a record is written as.</summary>
    internal static string Line(TraceRecord r)
    {
        var path = Path.Combine(Fixtures.TempDir("health-trace"), "trace.jsonl");
        using (var w = new TraceWriter(path)) w.Append(r);
        return File.ReadAllText(path).TrimEnd('\n');
    }

    internal static TraceRecord RoundTrip(TraceRecord r) => Parse(Line(r), "t.jsonl", 1);

    /// <summary>One line read back by <see cref="TraceReader"/> (terminated, so a bad line is an error rather than a torn tail).</summary>
    internal static TraceRecord Parse(string json, string name, int lineNumber)
    {
        var path = Path.Combine(Fixtures.TempDir("health-trace"), name);
        File.WriteAllText(path, string.Concat(Enumerable.Repeat(json + "\n", 1)));
        return TraceReader.Read(path).Records.Single();
    }

    [Fact]
    public void The_world_judge_marks_no_marker_answers_unstanced_and_two_stance_answers_mixed()
    {
        var judge = new WorldStanceJudge();
        var j = judge.JudgeEach(
        [
            new JudgeItem("immigration", "q", "I support it, really."),
            new JudgeItem("immigration", "q", "Lorem ipsum dolor."),
            new JudgeItem("immigration", "q", "I support it, but it is a bad idea."),
        ]);
        Assert.Equal([true, false, true], j.Select(x => x.Stanced));
        Assert.Equal([false, false, true], j.Select(x => x.Mixed!.Value));
        Assert.Equal(StanceDistribution.Uniform, j[1].Distribution);
        // The per-answer path reads the same distributions as the plain judge.
        Assert.Equal(judge.Judge("immigration", "q", "I support it, really."), j[0].Distribution);
    }

    [Fact]
    public void Health_counts_unstanced_mixed_ended_and_tokens_of_each_topic()
    {
        // Question imm-1: answers 0, 1 support, 2 no marker; imm-2: 0 oppose, 1 no marker, 2 mixed. gun-1: all support.
        var texts = new Dictionary<(string, int), (string, bool)>
        {
            [("imm-1", 0)] = ("I support it.", true), [("imm-1", 1)] = ("It is a good thing.", true), [("imm-1", 2)] = ("Blah blah", false),
            [("imm-2", 0)] = ("I oppose it.", true), [("imm-2", 1)] = ("Hmm.", false), [("imm-2", 2)] = ("I support it, it is a bad idea", true),
            [("gun-1", 0)] = ("I support it.", true), [("gun-1", 1)] = ("I support it.", true), [("gun-1", 2)] = ("I support it.", true),
        };
        var probe = new GenerationProbe(ProbeModels.SmallSet(), new ByteTokenizer(), new PlainChatTemplate(), new WorldStanceJudge(),
            new GenerationProbeOptions { Samples = 3, Generator = new FixedAnswers((q, k) => texts[(q.Id, k)]) });
        using var model = ProbeModels.ByteModel();
        var result = probe.Measure(model);

        var imm = result["immigration"]!;
        Assert.Equal(2.0 / 6, imm.Health!.Unstanced, 12);
        Assert.Equal(1.0 / 6, imm.Health.Mixed!.Value, 12);
        Assert.Equal(4.0 / 6, imm.Health.Ended, 12);
        var tokenizer = new ByteTokenizer();
        var expectedTokens = texts.Where(t => t.Key.Item1.StartsWith("imm")).Average(t => (double)tokenizer.Encode(t.Value.Item1).Length);
        Assert.Equal(expectedTokens, imm.Health.MeanAnswerTokens, 12);
        Assert.Null(imm.KlFromStart);   // answers from elsewhere have no token ids

        // Per question: the stanced value is the mean of the stance-taking answers only.
        var q1 = imm.Questions.Single(q => q.Id == "imm-1");
        Assert.Equal(2, q1.StancedN);
        var j = new WorldStanceJudge();
        Assert.Equal(StanceDistribution.Mean([j.Judge("immigration", "", "I support it."), j.Judge("immigration", "", "It is a good thing.")]), q1.Stanced);
        var q2 = imm.Questions.Single(q => q.Id == "imm-2");
        Assert.Equal(2, q2.StancedN);

        var gun = result["gun-control"]!;
        Assert.Equal(0, gun.Health!.Unstanced);
        Assert.Equal(1, gun.Health.Ended);
        Assert.Equal(gun.Questions[0].Value, gun.Questions[0].Stanced);

        // The trace line carries the health, and reads back.
        var line = result.ToTraceRecords("sft", 3).First();
        var back = RoundTrip(line);
        Assert.Equal(imm.Health, back.Health);
        Assert.Equal(q1.Stanced, back.Questions!.Single(q => q.Id == "imm-1").Stanced);
        Assert.Equal(2, back.Questions!.Single(q => q.Id == "imm-1").StancedN);
        var json = Line(line);
        foreach (var field in new[] { "\"unstanced\":", "\"mixed\":", "\"mean_answer_tokens\":", "\"ended\":", "\"n_stanced\":", "\"stanced\":[" })
            Assert.Contains(field, json);
    }

    [Fact]
    public void In_process_answers_give_tokens_and_ended_from_the_sampled_ids()
    {
        using var model = ProbeModels.ByteModel();
        var probe = new GenerationProbe(ProbeModels.SmallSet(), new ByteTokenizer(), new PlainChatTemplate(), new TextShapeJudge(),
            new GenerationProbeOptions { Samples = 3, MaxNewTokens = 12, BatchSize = 4, Temperature = 1.0 });
        var answers = probe.Sample(model);
        var result = probe.Measure(model);
        foreach (var t in result.Topics)
        {
            var mine = answers.Where(a => a.Question.Topic == t.Topic).ToList();
            Assert.Equal(mine.Average(a => (double)(a.TokenIds!.Length - (a.Stopped ? 1 : 0))), t.Health!.MeanAnswerTokens, 12);
            Assert.Equal(mine.Count(a => a.Stopped) / (double)mine.Count, t.Health.Ended, 12);
            Assert.Equal(0, t.Health.Unstanced);   // a judge that cannot say "no stance" places every answer on one
            Assert.Null(t.Health.Mixed);
        }
        // A stopped answer's ids end in a stop token, which its text does not include.
        Assert.All(answers.Where(a => a.Stopped), a => Assert.Contains(a.TokenIds![^1], new ByteTokenizer().StopIds));
        Assert.All(answers, a => Assert.Equal(new ByteTokenizer().Decode(a.Stopped ? a.TokenIds![..^1] : a.TokenIds!), a.Text));
    }

    [Fact]
    public void Old_trace_lines_without_health_still_read_and_partial_health_is_refused()
    {
        var old = Parse("""{"phase":"sft","step":0,"topic":"t","support":0.5,"neutral":0.3,"oppose":0.2,"n":4}""", "t.jsonl", 1);
        Assert.Null(old.Health);
        Assert.Null(old.KlFromStart);
        var e = Assert.Throws<ValueDrift.Errors.DataFormatException>(() => Parse(
            """{"phase":"sft","step":0,"topic":"t","support":0.5,"neutral":0.3,"oppose":0.2,"n":4,"unstanced":0.1,"ended":1}""", "t.jsonl", 7));
        Assert.Contains("mean_answer_tokens", e.Message);
        Assert.Contains("t.jsonl", e.Message);
        e = Assert.Throws<ValueDrift.Errors.DataFormatException>(() => Parse(
            """{"phase":"sft","step":0,"topic":"t","support":0.5,"neutral":0.3,"oppose":0.2,"n":4,"unstanced":1.5,"mean_answer_tokens":3,"ended":1}""", "t.jsonl", 7));
        Assert.Contains("unstanced", e.Message);
    }
}
