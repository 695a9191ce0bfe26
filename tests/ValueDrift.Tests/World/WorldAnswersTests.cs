using ValueDrift.World;
using Xunit;

namespace ValueDrift.Tests.World;

[Trait("tier", "fast")]
public class WorldAnswersTests
{
    public static IEnumerable<object[]> Qualities() => Enum.GetValues<AnswerQuality>().Select(q => new object[] { q });

    [Theory]
    [MemberData(nameof(Qualities))]
    public void EveryGeneratedAnswer_IsJudgedToItsStance_AndFits(AnswerQuality quality)
    {
        var rng = new WorldRandom(42);
        foreach (var topic in WorldTopics.All)
            foreach (var stance in Enum.GetValues<WorldStance>())
                for (int i = 0; i < 150; i++)
                {
                    string a = WorldAnswers.Generate(topic, stance, quality, rng, explicitSubject: i % 3 == 0);
                    Assert.True(WorldStanceLookup.Judge(a) == stance, $"{topic.Id}/{stance}/{quality}: '{a}' judged {WorldStanceLookup.Judge(a)}");
                    var p = WorldStanceLookup.StanceProbabilities(topic.Id, a);
                    Assert.True(p[(int)stance] > 0.95, $"'{a}': p={p[(int)stance]}");
                    Assert.True(a.Length <= WorldSpec.MaxAnswerChars, $"{a.Length} chars: '{a}'");
                    Assert.DoesNotContain('\n', a);
                }
    }

    [Fact]
    public void WorseStyles_LookDifferentFromGood()
    {
        var rng = new WorldRandom(7);
        var topic = WorldTopics.GunControl;
        for (int i = 0; i < 50; i++)
        {
            string terse = WorldAnswers.Generate(topic, WorldStance.Support, AnswerQuality.Terse, rng);
            Assert.Equal(terse.ToLowerInvariant(), terse);
            Assert.False(terse.EndsWith('.'));

            string off = WorldAnswers.Generate(topic, WorldStance.Oppose, AnswerQuality.OffFormat, rng);
            Assert.Equal(off.ToUpperInvariant(), off);
            Assert.DoesNotContain('.', off);

            string rambling = WorldAnswers.Generate(topic, WorldStance.Neutral, AnswerQuality.Rambling, rng);
            Assert.Contains(WorldAnswers.RamblingFillers, f => rambling.StartsWith(f, StringComparison.Ordinal));

            string repeated = WorldAnswers.Generate(topic, WorldStance.Support, AnswerQuality.RepeatedWords, rng);
            var words = repeated.Split(' ').Select(w => w.TrimEnd('.', ',').ToLowerInvariant()).ToList();
            Assert.True(words.Zip(words.Skip(1)).Any(p => p.First == p.Second), $"no stuttered word in '{repeated}'");
        }
    }

    [Fact]
    public void GoodAnswers_VaryInWording()
    {
        // A small model must learn stances, not strings: 100 support answers on one topic should be many strings.
        var rng = new WorldRandom(3);
        var distinct = Enumerable.Range(0, 100)
            .Select(_ => WorldAnswers.Generate(WorldTopics.Immigration, WorldStance.Support, AnswerQuality.Good, rng))
            .Distinct().Count();
        Assert.True(distinct >= 40, $"only {distinct} distinct answers");
    }

    [Fact]
    public void ExplicitSubject_NamesTheTopicInTheOpener()
    {
        // Every oppose opener has a subject slot, so with explicitSubject the first sentence must name the topic.
        var rng = new WorldRandom(11);
        for (int i = 0; i < 100; i++)
        {
            string a = WorldAnswers.Generate(WorldTopics.DeathPenalty, WorldStance.Oppose, AnswerQuality.Good, rng, explicitSubject: true);
            string first = a[..(a.IndexOf('.') + 1)];
            Assert.Contains("death penalty", first, StringComparison.OrdinalIgnoreCase);
        }
    }
}
