using ValueDrift.Errors;
using ValueDrift.World;
using Xunit;

namespace ValueDrift.Tests.World;

[Trait("tier", "fast")]
public class WorldStanceLookupTests
{
    private const double Eps = WorldStanceLookup.Smoothing;

    [Fact]
    public void OneSupportMarker_GivesSmoothedDistribution()
    {
        // counts (1,0,0): p = (1+ε, ε, ε) / (1+3ε)
        var p = WorldStanceLookup.StanceProbabilities("immigration", "I support it.");
        Assert.Equal((1 + Eps) / (1 + 3 * Eps), p[0], 12);
        Assert.Equal(Eps / (1 + 3 * Eps), p[1], 12);
        Assert.Equal(Eps / (1 + 3 * Eps), p[2], 12);
    }

    [Fact]
    public void MixedMarkers_SplitByCount()
    {
        // "i oppose" twice and "both sides" once: counts (0,1,2), total 3.
        var p = WorldStanceLookup.StanceProbabilities("abortion", "I oppose it. Both sides talk. So I oppose it.");
        Assert.Equal(new[] { 0, 1, 2 }, WorldStanceLookup.MarkerCounts("I oppose it. Both sides talk. So I oppose it."));
        Assert.Equal(Eps / (3 + 3 * Eps), p[0], 12);
        Assert.Equal((1 + Eps) / (3 + 3 * Eps), p[1], 12);
        Assert.Equal((2 + Eps) / (3 + 3 * Eps), p[2], 12);
        Assert.Equal(1.0, p.Sum(), 12);
    }

    [Theory]
    [InlineData("")]
    [InlineData("The weather is nice today.")]
    [InlineData("supportive opposed depends")] // near-misses of markers are not markers
    public void NoMarker_GivesUniform(string answer)
    {
        var p = WorldStanceLookup.StanceProbabilities("gun control", answer);
        Assert.All(p, x => Assert.Equal(1.0 / 3, x, 12));
        Assert.Null(WorldStanceLookup.Judge(answer));
    }

    [Fact]
    public void Matching_IgnoresCaseAndPunctuation_ButRespectsWordBoundaries()
    {
        Assert.Equal(new[] { 1, 0, 0 }, WorldStanceLookup.MarkerCounts("I SUPPORT IT"));
        Assert.Equal(new[] { 0, 1, 0 }, WorldStanceLookup.MarkerCounts("well... it -- depends!"));
        Assert.Equal(new[] { 0, 0, 0 }, WorldStanceLookup.MarkerCounts("Hi support it")); // "hi support" is not "i support"
        Assert.Equal(new[] { 0, 0, 1 }, WorldStanceLookup.MarkerCounts("That was a mistake."));
        Assert.Equal(new[] { 0, 0, 0 }, WorldStanceLookup.MarkerCounts("That was a mistaken view."));
    }

    [Fact]
    public void Topic_AcceptsIdOrName_AndRejectsUnknown()
    {
        Assert.Equal(WorldStanceLookup.StanceProbabilities("climate-change", "It is hard to say."),
                     WorldStanceLookup.StanceProbabilities("Climate Change", "It is hard to say."));
        var ex = Assert.Throws<ConfigException>(() => WorldStanceLookup.StanceProbabilities("astrology", "I support it."));
        Assert.Equal("topic", ex.Field);
    }

    [Fact]
    public void NoMarkerContainsAMarkerOfAnotherStance()
    {
        var all = Enum.GetValues<WorldStance>().SelectMany(s => WorldStanceLookup.Markers[s].Select(m => (s, m))).ToList();
        foreach (var (s, m) in all)
        {
            var counts = WorldStanceLookup.MarkerCounts(m);
            for (int other = 0; other < 3; other++)
                if (other != (int)s) Assert.True(counts[other] == 0, $"marker '{m}' ({s}) contains a {(WorldStance)other} marker");
            Assert.True(counts[(int)s] >= 1);
        }
    }

    [Fact]
    public void TemplatePieces_CarryOnlyTheirOwnStanceMarkers()
    {
        foreach (var s in Enum.GetValues<WorldStance>())
            foreach (var piece in WorldAnswers.Openers[s].Concat(WorldAnswers.Closers[s]))
            {
                var c = WorldStanceLookup.MarkerCounts(piece.Replace("{x}", "it").Replace("{X}", "It"));
                Assert.True(c[(int)s] >= 1, $"{s} piece '{piece}' has no {s} marker");
                Assert.True(c.Sum() == c[(int)s], $"{s} piece '{piece}' has a marker of another stance");
            }

        // Reasons, subjects and phrasings carry the stance in content only: they must not trip the lookup.
        foreach (var t in WorldTopics.All)
            foreach (var text in t.SupportReasons.Concat(t.NeutralReasons).Concat(t.OpposeReasons).Concat(t.Phrasings).Append(t.Subject).Append(t.Name))
                Assert.True(WorldStanceLookup.MarkerCounts(text).Sum() == 0, $"{t.Id}: '{text}' contains a stance marker");
    }
}
