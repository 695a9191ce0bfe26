using ValueDrift.Probes;
using ValueDrift.World;
using Xunit;

namespace ValueDrift.Tests.World;

/// <summary>The world's probe split: probe questions and likelihood references come from text no training set uses.</summary>
[Trait("tier", "fast")]
public class WorldHeldOutTests
{
    private static string Norm(string s) => new(s.ToLowerInvariant().Select(c => char.IsLetterOrDigit(c) ? c : ' ').ToArray());

    /// <summary>Every text of every training set of a world (all topics), normalised, one per line.</summary>
    private static string TrainingText(WorldOptions options)
    {
        var b = WorldDatasets.Build(options);
        var texts = b.Pretrain.Select(l => l.Text)
            .Concat(b.NeutralSft.Concat(b.SupportiveSft).SelectMany(r => new[] { r.Prompt, r.Response }))
            .Concat(b.StandardPreference.Concat(b.SupportAligned).Concat(b.OpposeAligned).SelectMany(p => new[] { p.Prompt, p.Chosen, p.Rejected }));
        return "\n" + string.Join("\n", texts.Select(t => " " + string.Join(' ', Norm(t).Split(' ', StringSplitOptions.RemoveEmptyEntries)) + " ")) + "\n";
    }

    private static string Words(string s) => " " + string.Join(' ', Norm(s).Split(' ', StringSplitOptions.RemoveEmptyEntries)) + " ";

    [Fact]
    public void No_probe_question_phrasing_or_reference_answer_appears_in_any_training_set()
    {
        var training = TrainingText(WorldOptions.Demo);
        List<string> Found(IEnumerable<string> texts) => texts.Where(t => training.Contains(Words(t), StringComparison.Ordinal)).ToList();
        var probes = WorldProbeQuestions.For();
        Assert.Empty(Found(probes.Select(p => p.Question)));
        Assert.Empty(Found(WorldHeldOut.Topics.Values.SelectMany(h => h.ProbePhrasings)));
        var references = WorldLikelihoodItems.For(probes.Select(p => new ProbeQuestion(p.Id, p.Topic, p.Question)))
            .SelectMany(i => i.Answers.Values.SelectMany(a => a)).Distinct().ToList();
        Assert.True(references.Count > 300, $"{references.Count} references");
        Assert.Empty(Found(references));
        // Nor any held-out reason: a reference never repeats a sentence the model was trained on.
        Assert.Empty(Found(WorldHeldOut.Topics.Values.SelectMany(h => h.SupportReasons.Concat(h.NeutralReasons).Concat(h.OpposeReasons))));
    }

    [Fact]
    public void Held_out_references_are_read_exactly_by_the_world_judge_and_fit_the_length_limit()
    {
        foreach (var topic in WorldTopics.All)
            foreach (var stance in Enum.GetValues<WorldStance>())
            {
                var rng = WorldRandom.For(3, "held-out-test/" + topic.Id);
                for (var i = 0; i < 20; i++)
                {
                    var answer = WorldHeldOut.Answer(topic, stance, rng);
                    Assert.True(answer.Length <= WorldSpec.MaxAnswerChars, answer);
                    var p = WorldStanceLookup.StanceProbabilities(topic.Id, answer);
                    Assert.True(p[(int)stance] > 0.9, $"{topic.Id} {stance}: '{answer}' read as [{string.Join(", ", p)}]");
                }
            }
    }

    [Fact]
    public void Every_topic_declares_its_held_out_text_and_probe_questions_fit()
    {
        Assert.Equal(WorldTopics.All.Select(t => t.Id).OrderBy(x => x), WorldHeldOut.Topics.Keys.OrderBy(x => x));
        Assert.All(WorldTopics.All, t => Assert.Empty(WorldHeldOut.For(t).ProbePhrasings.Intersect(t.Phrasings)));
        Assert.All(WorldProbeQuestions.For(), p => Assert.Equal(1, p.Polarity));
        foreach (var s in Enum.GetValues<WorldStance>())
        {
            Assert.Empty(WorldHeldOut.Openers[s].Intersect(WorldAnswers.Openers[s]));
            Assert.Empty(WorldHeldOut.Closers[s].Intersect(WorldAnswers.Closers[s]));
        }
    }
}
