using ValueDrift.Probes;
using ValueDrift.World;
using Xunit;

namespace ValueDrift.Tests.World;

/// <summary>The training split asks in the training sets' own words; the held-out split (every run's) never does.</summary>
[Trait("tier", "fast")]
public class WorldProbeSplitTests
{
    [Fact]
    public void TrainingSplitQuestionsAreTrainingQuestionsAndCoverEveryFrame()
    {
        var rows = WorldProbeQuestions.ForIds(["immigration", "abortion"], WorldProbeSplit.Training, 8);
        Assert.Equal(16, rows.Count);
        foreach (var g in rows.GroupBy(r => r.Topic))
        {
            var topic = WorldTopics.Find(g.Key, "test", "topic");
            Assert.All(g, r => Assert.Contains(r.Question, topic.TrainingQuestions));
            Assert.All(g, r => Assert.DoesNotContain(r.Question, topic.ProbeQuestions));
            Assert.Equal(8, g.Select(r => r.Question).Distinct().Count());
            // evenly spaced over frames × phrasings: 8 of 32 questions take every frame once
            foreach (var frame in WorldQuestions.TrainingFrames)
                Assert.Contains(g, r => r.Question.StartsWith(frame[..frame.IndexOf("{x}", StringComparison.Ordinal)].Trim(), StringComparison.OrdinalIgnoreCase));
        }
        Assert.All(rows, r => Assert.Matches(@"^[a-z-]+-t\d\d$", r.Id));
    }

    [Fact]
    public void HeldOutSplitIsTheFirstProbeQuestionsOfEachTopic()
    {
        var rows = WorldProbeQuestions.ForIds(["immigration"], WorldProbeSplit.HeldOut, 3);
        Assert.Equal(WorldProbeQuestions.ForIds(["immigration"]).Take(3), rows);
    }

    [Fact]
    public void TrainingSplitReferencesComeFromTheTrainingAnswersNotTheHeldOutOnes()
    {
        var q = new ProbeQuestion("immigration-t01", "immigration", "What do you think about more immigration?");
        var training = WorldLikelihoodItems.For([q], 6, seed: 1, split: WorldProbeSplit.Training)[0];
        var heldOut = WorldLikelihoodItems.For([q], 6, seed: 1)[0];
        var heldOutOpeners = WorldHeldOut.Openers.Values.SelectMany(v => v).Select(o => o.Replace("{x}", "immigration").Replace("{X}", "Immigration")).ToList();
        foreach (var s in StanceLabels.All)
        {
            Assert.All(training.Answers[s], a => Assert.DoesNotContain(heldOutOpeners, o => a.Contains(o, StringComparison.Ordinal)));
            Assert.Contains(heldOut.Answers[s], a => heldOutOpeners.Any(o => a.Contains(o, StringComparison.Ordinal)));
            Assert.Empty(training.Answers[s].Intersect(heldOut.Answers[s]));
        }
    }
}
