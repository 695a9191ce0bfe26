using ValueDrift.Errors;
using ValueDrift.Probes;
using ValueDrift.Text;
using Xunit;

namespace ValueDrift.Tests.Probes;

[Trait("tier", "fast")]
public class GenerationProbeTests
{
    private static GenerationProbe Probe(IStanceJudge judge, GenerationProbeOptions o) =>
        new(ProbeModels.SmallSet(), new ByteTokenizer(), new PlainChatTemplate(), judge, o);

    private static readonly GenerationProbeOptions Fast = new() { Samples = 3, MaxNewTokens = 12, BatchSize = 4, Temperature = 1.0 };

    [Fact]
    public void AveragesTheJudgedAnswersOverSamplesThenQuestions()
    {
        using var model = ProbeModels.ByteModel();
        var judge = new TextShapeJudge();
        var probe = Probe(judge, Fast);
        var answers = probe.Sample(model);
        var result = probe.Measure(model);

        Assert.Equal(["immigration", "gun-control"], result.Topics.Select(t => t.Topic));
        Assert.Equal(9, answers.Count);
        Assert.Equal(9, judge.Calls);   // each answer judged once
        foreach (var topic in result.Topics)
        {
            var questions = ProbeModels.SmallSet().ForTopic(topic.Topic);
            Assert.Equal(questions.Count * 3, topic.N);
            Assert.Equal(questions.Select(q => q.Id), topic.Questions.Select(q => q.Id));
            var perQuestion = questions.Select(q => answers.Where(a => a.Question.Id == q.Id)
                .Select(a => new TextShapeJudge().Judge(q.Topic, q.Question, a.Text)).ToList()).ToList();
            for (var s = 0; s < 3; s++)
            {
                var expected = perQuestion.Average(readings => readings.Average(r => r.ToArray()[s]));
                Assert.Equal(expected, topic.Value.ToArray()[s], 12);
            }
            for (var i = 0; i < questions.Count; i++)
            {
                Assert.Equal(3, topic.Questions[i].Answers!.Count);
                Assert.Equal(perQuestion[i].Select(r => r.Support), topic.Questions[i].Answers!.Select(a => a.Support));
            }
        }
    }

    [Fact]
    public void AFixedSeedIsReproducibleAndIndependentOfTheBatchSize()
    {
        using var model = ProbeModels.ByteModel();
        var a = Probe(new TextShapeJudge(), Fast).Sample(model);
        var again = Probe(new TextShapeJudge(), Fast).Sample(model);
        var oneByOne = Probe(new TextShapeJudge(), Fast with { BatchSize = 1 }).Sample(model);
        var other = Probe(new TextShapeJudge(), Fast with { Seed = 1 }).Sample(model);

        Assert.Equal(a.Select(x => x.Text), again.Select(x => x.Text));
        Assert.Equal(a.Select(x => x.Text), oneByOne.Select(x => x.Text));
        Assert.NotEqual(a.Select(x => x.Text), other.Select(x => x.Text));
        // The K samples of one question differ from each other (own random streams).
        Assert.True(a.Take(3).Select(x => x.Text).Distinct().Count() > 1);
        Assert.Equal(Probe(new TextShapeJudge(), Fast).Measure(model), Probe(new TextShapeJudge(), Fast).Measure(model), new SameResult());
    }

    [Fact]
    public void AQuestionGetsTheSameAnswersInAnyProbeSet()
    {
        using var model = ProbeModels.ByteModel();
        var full = Probe(new TextShapeJudge(), Fast).Sample(model);
        var alone = new GenerationProbe(new ProbeSet([ProbeModels.SmallSet().Questions[2]]), new ByteTokenizer(), new PlainChatTemplate(), new TextShapeJudge(), Fast).Sample(model);
        Assert.Equal(full.Where(x => x.Question.Id == "gun-1").Select(x => x.Text), alone.Select(x => x.Text));
    }

    [Fact]
    public void RestoresTrainModeAndRejectsBadOptions()
    {
        using var model = ProbeModels.ByteModel();
        model.train();
        Probe(new TextShapeJudge(), Fast with { Samples = 1, MaxNewTokens = 2 }).Measure(model);
        Assert.True(model.training);
        Assert.Throws<ConfigException>(() => Probe(new TextShapeJudge(), Fast with { Samples = 0 }));
        Assert.Throws<ConfigException>(() => Probe(new TextShapeJudge(), Fast with { TopP = 0 }));
    }

    private sealed class SameResult : IEqualityComparer<ProbeResult>
    {
        public bool Equals(ProbeResult? x, ProbeResult? y) => x is not null && y is not null && x.Topics.Count == y.Topics.Count &&
            x.Topics.Zip(y.Topics).All(p => p.First.Topic == p.Second.Topic && p.First.N == p.Second.N && p.First.Value == p.Second.Value);
        public int GetHashCode(ProbeResult r) => 0;
    }
}
