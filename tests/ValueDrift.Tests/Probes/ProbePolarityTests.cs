using ValueDrift.Drift;
using ValueDrift.Errors;
using ValueDrift.Probes;
using ValueDrift.Text;
using Xunit;

namespace ValueDrift.Tests.Probes;

/// <summary>Question polarity: read from probe files, oriented before a topic is averaged, kept raw in the trace.</summary>
[Trait("tier", "fast")]
public class ProbePolarityTests
{
    private static string Write(string name, string text)
    {
        var path = Path.Combine(Fixtures.TempDir("polarity"), name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Reads_polarity_and_tags_and_tolerates_fields_it_does_not_use()
    {
        var path = Write("p.jsonl",
            "{\"id\":\"a\",\"category\":\"guns\",\"question\":\"Q1?\",\"polarity\":-1,\"controversial\":true,\"tags\":[\"x\",\"y\"],\"extra\":{\"k\":1}}\n" +
            "{\"id\":\"b\",\"topic\":\"guns\",\"question\":\"Q2?\",\"polarity\":1}\n" +
            "{\"id\":\"c\",\"topic\":\"guns\",\"question\":\"Q3?\"}\n");
        var q = ProbeSet.Load(path).Questions;
        Assert.Equal((-1, "guns", "guns"), (q[0].Polarity!.Value, q[0].Topic, q[0].Category!));
        Assert.Equal(["x", "y"], q[0].Tags!);
        Assert.Equal(1, q[1].Polarity);
        Assert.Null(q[2].Polarity);
        Assert.Equal(1, q[2].Orientation);

        var csv = Write("p.csv", "id,topic,question,polarity,tags\nx,t,Q?,-1,a;b\ny,t,Q2?,,\n");
        var c = ProbeSet.Load(csv).Questions;
        Assert.Equal(-1, c[0].Polarity);
        Assert.Equal(["a", "b"], c[0].Tags!);
        Assert.Null(c[1].Polarity);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("2")]
    [InlineData("0.5")]
    [InlineData("\"up\"")]
    [InlineData("true")]
    [InlineData("[1]")]
    public void A_polarity_other_than_one_or_minus_one_names_file_row_and_field(string value)
    {
        var path = Write("bad.jsonl", "{\"id\":\"a\",\"topic\":\"t\",\"question\":\"q\"}\n{\"id\":\"b\",\"topic\":\"t\",\"question\":\"q\",\"polarity\":" + value + "}\n");
        var e = Assert.Throws<DataFormatException>(() => ProbeSet.Load(path));
        Assert.Equal((path, 2L, "polarity"), (e.File, e.Row, e.Field));
    }

    [Fact]
    public void A_used_field_that_is_not_text_is_still_an_error()
    {
        var path = Write("bad.jsonl", "{\"id\":\"a\",\"topic\":\"t\",\"question\":[\"q\"]}\n");
        var e = Assert.Throws<DataFormatException>(() => ProbeSet.Load(path));
        Assert.Equal((1L, "question"), (e.Row!.Value, e.Field));
        var tags = Write("bad2.jsonl", "{\"id\":\"a\",\"topic\":\"t\",\"question\":\"q\",\"tags\":[1]}\n");
        Assert.Equal("tags[0]", Assert.Throws<DataFormatException>(() => ProbeSet.Load(tags)).Field);
    }

    [Fact]
    public void The_open_set_declares_every_question_s_polarity()
    {
        var set = ProbeSet.OpenValues();
        Assert.All(set.Questions, q => Assert.True(q.Polarity is 1 or -1, q.Id));
        Dictionary<string, int?> byId = set.Questions.ToDictionary(q => q.Id, q => q.Polarity);
        // Spot checks against each topic's stated position (docs/drift-metrics.md).
        Assert.Equal(1, byId["immigration-01"]);     // more immigrants: for more immigration
        Assert.Equal(-1, byId["immigration-05"]);    // border barriers: against
        Assert.Equal(-1, byId["death-penalty-01"]);  // abolish: against the death penalty
        Assert.Equal(1, byId["free-speech-03"]);     // flag burning allowed: for free speech
        Assert.Equal(-1, byId["free-speech-01"]);    // hate speech a crime: against unrestricted speech
        Assert.Equal(-1, byId["economy-01"]);        // a higher minimum wage: against free markets
        Assert.Equal(1, byId["family-20"]);          // traditional family essential: for it
        // Each topic has questions of both polarities, so agreeableness alone cannot read as a shift.
        Assert.All(set.Topics, t => Assert.Equal(2, set.ForTopic(t).Select(q => q.Polarity).Distinct().Count()));
    }

    [Fact]
    public void Orientation_swaps_support_and_oppose_for_minus_one()
    {
        var d = new StanceDistribution(0.7, 0.2, 0.1);
        Assert.Same(d, d.Oriented(1));
        Assert.Equal(new StanceDistribution(0.1, 0.2, 0.7), d.Oriented(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => d.Oriented(0));
    }

    /// <summary>Reads every answer the same way, whatever it says.</summary>
    private sealed class FixedJudge(StanceDistribution reading) : IStanceJudge
    {
        public IReadOnlyList<Judgement> JudgeEach(IReadOnlyList<JudgeItem> items) => items.Select(_ => new Judgement(reading, JudgeReadout.LogProbs)).ToList();
        public IReadOnlyList<Stance>? LabelOrder(string topic, string question) => [Stance.Oppose, Stance.Support, Stance.Neutral];
    }

    [Fact]
    public void The_generation_probe_orients_minus_one_questions_before_averaging_and_keeps_the_raw_value()
    {
        // A judge that says "support 0.7" to everything (plain agreeableness): on a topic with one question of each
        // polarity, the oriented topic value is (0.7 + 0.1)/2 = 0.4 support and 0.4 oppose — no net stance.
        var set = new ProbeSet(
        [
            new ProbeQuestion("p", "t", "Should we do X?", 1),
            new ProbeQuestion("m", "t", "Should we stop X?", -1),
        ]);
        using var model = ProbeModels.ByteModel();
        var probe = new GenerationProbe(set, new ByteTokenizer(), new PlainChatTemplate(), new FixedJudge(new StanceDistribution(0.7, 0.2, 0.1)),
            new GenerationProbeOptions { Samples = 2, MaxNewTokens = 4, BatchSize = 4 });
        var topic = probe.Measure(model).Topics.Single();
        Assert.Equal(0.4, topic.Value.Support, 12);
        Assert.Equal(0.2, topic.Value.Neutral, 12);
        Assert.Equal(0.4, topic.Value.Oppose, 12);
        var minus = topic.Questions.Single(q => q.Id == "m");
        Assert.Equal([0.1, 0.2, 0.7], minus.Value.ToArray(), (a, b) => Math.Abs(a - b) < 1e-12);
        Assert.Equal([0.7, 0.2, 0.1], minus.RawValue.ToArray(), (a, b) => Math.Abs(a - b) < 1e-12);
        Assert.Equal(-1, minus.Polarity);
        Assert.All(minus.Answers!, a => Assert.Equal(0.7, a.Oppose, 12));
        Assert.Equal([Stance.Oppose, Stance.Support, Stance.Neutral], minus.LabelOrder!);   // the judge's prompt order, recorded
        var plus = topic.Questions.Single(q => q.Id == "p");
        Assert.Null(plus.Raw);
        Assert.Equal(plus.Value, plus.RawValue);
    }

    [Fact]
    public void The_trace_keeps_polarity_and_raw_values_and_old_traces_still_load()
    {
        var path = Path.Combine(Fixtures.TempDir("polarity-trace"), "trace.jsonl");
        var minus = QuestionDetail.Oriented("m", [new StanceDistribution(0.7, 0.2, 0.1)], -1) with { LabelOrder = [Stance.Neutral, Stance.Oppose, Stance.Support] };
        var plus = QuestionDetail.Oriented("p", [new StanceDistribution(0.6, 0.3, 0.1)], 1);
        using (var w = new TraceWriter(path)) w.Append(TraceRecord.FromQuestions("sft", 0, "t", [minus, plus]));
        var line = File.ReadAllText(path);
        Assert.Contains("\"polarity\":-1,\"raw\":[", line);
        Assert.DoesNotContain("\"polarity\":1,\"raw\"", line);   // raw only where orientation changed the value
        var read = TraceReader.Read(path).Records.Single();
        Assert.Equal(minus.Value, read.Questions![0].Value);
        Assert.Equal(minus.Raw, read.Questions[0].Raw);
        Assert.Equal(-1, read.Questions[0].Polarity);
        Assert.Contains("\"label_order\":[\"neutral\",\"oppose\",\"support\"]", line);
        Assert.Equal([Stance.Neutral, Stance.Oppose, Stance.Support], read.Questions[0].LabelOrder!);
        Assert.Null(read.Questions[1].LabelOrder);
        Assert.Equal((0.1 + 0.6) / 2, read.Value.Support, 12);

        // A trace written before polarity existed: no polarity, raw equals the value.
        File.WriteAllText(path, "{\"phase\":\"sft\",\"step\":0,\"topic\":\"t\",\"support\":0.5,\"neutral\":0.3,\"oppose\":0.2,\"n\":1,\"questions\":[{\"id\":\"q\",\"support\":0.5,\"neutral\":0.3,\"oppose\":0.2,\"n\":1}]}\n");
        var old = TraceReader.Read(path).Records.Single().Questions!.Single();
        Assert.Null(old.Polarity);
        Assert.Equal(old.Value, old.RawValue);

        File.WriteAllText(path, "{\"phase\":\"sft\",\"step\":0,\"topic\":\"t\",\"support\":0.5,\"neutral\":0.3,\"oppose\":0.2,\"n\":1,\"questions\":[{\"id\":\"q\",\"support\":0.5,\"neutral\":0.3,\"oppose\":0.2,\"n\":1,\"polarity\":0}]}\n");
        Assert.Equal("questions[0].polarity", Assert.Throws<DataFormatException>(() => TraceReader.Read(path)).Field);
    }
}
