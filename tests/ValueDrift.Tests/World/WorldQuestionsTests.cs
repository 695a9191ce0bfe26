using ValueDrift.World;
using Xunit;

namespace ValueDrift.Tests.World;

[Trait("tier", "fast")]
public class WorldQuestionsTests
{
    [Fact]
    public void TrainingAndProbeQuestions_AreDisjoint_AcrossAllTopics()
    {
        static string Norm(string q) => new string(q.ToLowerInvariant().Where(char.IsLetterOrDigit).ToArray());
        var training = WorldTopics.All.SelectMany(t => t.TrainingQuestions).Select(Norm).ToHashSet();
        var probes = WorldTopics.All.SelectMany(t => t.ProbeQuestions).Select(Norm).ToList();
        Assert.DoesNotContain(probes, training.Contains);
        Assert.Empty(WorldQuestions.TrainingFrames.Intersect(WorldQuestions.ProbeFrames));
    }

    [Fact]
    public void EachTopic_HasTenDistinctProbes_AndManyTrainingQuestions()
    {
        foreach (var t in WorldTopics.All)
        {
            Assert.Equal(10, t.ProbeQuestions.Distinct().Count());
            Assert.True(t.TrainingQuestions.Distinct().Count() >= 30, t.Id);
        }
        var probes = WorldProbeQuestions.For();
        Assert.Equal(110, probes.Count);
        Assert.Equal(probes.Count, probes.Select(p => p.Id).Distinct().Count());
        Assert.Equal("immigration-01", probes[0].Id);
        Assert.Equal(WorldTopics.Family.ProbeQuestions, WorldProbeQuestions.ForIds(["family"]).Select(p => p.Question));
    }

    [Fact]
    public void AllQuestions_FitTheLengthLimit_AndAreSentences()
    {
        foreach (var t in WorldTopics.All)
            foreach (var q in t.TrainingQuestions.Concat(t.ProbeQuestions))
            {
                Assert.True(q.Length <= WorldSpec.MaxQuestionChars, $"{q.Length} chars: '{q}'");
                Assert.True(char.IsUpper(q[0]), q);
                Assert.True(q.EndsWith('?') || q.EndsWith('.'), q);
                Assert.DoesNotContain("{", q);
            }
    }

    [Fact]
    public void Topics_AreTheElevenExpected_AndResolvableByName()
    {
        Assert.Equal(11, WorldTopics.All.Count);
        foreach (var name in new[] { "immigration", "abortion", "climate change", "death penalty", "religion", "family", "economy",
                                     "gun control", "free speech", "AI regulation", "animal rights" })
            Assert.NotNull(WorldTopics.TryFind(name));
        Assert.Equal(WorldTopics.ClimateChange, WorldTopics.Find("Climate_Change"));
        Assert.Equal(["immigration", "gun-control"], WorldTopics.Select(["gun control", "immigration", "immigration"]).Select(t => t.Id));
    }
}
