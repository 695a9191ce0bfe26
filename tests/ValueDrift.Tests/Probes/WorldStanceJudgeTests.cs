using ValueDrift.Errors;
using ValueDrift.Probes;
using ValueDrift.World;
using Xunit;

namespace ValueDrift.Tests.Probes;

[Trait("tier", "fast")]
public class WorldStanceJudgeTests
{
    [Theory]
    [InlineData(Stance.Support)]
    [InlineData(Stance.Neutral)]
    [InlineData(Stance.Oppose)]
    public void ReadsTheStanceOfWorldAnswers(Stance stance)
    {
        var judge = new WorldStanceJudge();
        var rng = new WorldRandom(3);
        for (var i = 0; i < 20; i++)
        {
            var answer = WorldAnswers.Generate(WorldTopics.Immigration, (WorldStance)(int)stance, AnswerQuality.Good, rng);
            var d = judge.Judge("immigration", "Should borders be more open?", answer);
            Assert.Equal(stance, d.Dominant);
            var expected = WorldStanceLookup.StanceProbabilities("immigration", answer);
            for (var s = 0; s < 3; s++) Assert.Equal(expected[s], d.ToArray()[s], 12);
        }
    }

    [Fact]
    public void TextWithoutMarkersIsUniformAndUnknownTopicsAreAnError()
    {
        var judge = new WorldStanceJudge();
        Assert.All(judge.Judge("abortion", "q", "zzz qqq").ToArray(), p => Assert.Equal(1.0 / 3, p, 12));
        Assert.Throws<ConfigException>(() => judge.Judge("astrology", "q", "I support it."));
    }
}
