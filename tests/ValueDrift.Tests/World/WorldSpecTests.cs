using ValueDrift.World;
using Xunit;

namespace ValueDrift.Tests.World;

[Trait("tier", "fast")]
public class WorldSpecTests
{
    [Fact]
    public void Version_IsRevisionDotHash_AndStable()
    {
        Assert.Matches(@"^\d+\.[0-9a-f]{8}$", WorldSpec.Version);
        Assert.StartsWith(WorldSpec.GeneratorRevision + ".", WorldSpec.Version);
        Assert.Equal(WorldSpec.Version, WorldSpec.ComputeVersion(WorldTopics.All));
    }

    [Fact]
    public void Version_ChangesWhenAnyTemplateTextChanges()
    {
        var edited = WorldTopics.All.Select(t => t.Id == "family"
            ? t with { NeutralReasons = t.NeutralReasons.Select((r, i) => i == 0 ? r + " " : r).ToList() }
            : t).ToList();
        Assert.NotEqual(WorldSpec.Version, WorldSpec.ComputeVersion(edited));
        Assert.NotEqual(WorldSpec.Version, WorldSpec.ComputeVersion(WorldTopics.All.Take(10)));
    }
}

[Trait("tier", "fast")]
public class WorldRandomTests
{
    [Fact]
    public void MatchesTheSplitMix64ReferenceSequence()
    {
        // First outputs of Vigna's splitmix64.c from state 0.
        var rng = new WorldRandom(0);
        Assert.Equal(0xE220A8397B1DCDAFUL, rng.NextUInt64());
        Assert.Equal(0x6E789E6AA1B965F4UL, rng.NextUInt64());
        Assert.Equal(0x06C45D188009454FUL, rng.NextUInt64());
    }

    [Fact]
    public void Streams_AreIndependentAndReproducible()
    {
        Assert.Equal(WorldRandom.For(1, "a").NextUInt64(), WorldRandom.For(1, "a").NextUInt64());
        Assert.NotEqual(WorldRandom.For(1, "a").NextUInt64(), WorldRandom.For(1, "b").NextUInt64());
        Assert.NotEqual(WorldRandom.For(1, "a").NextUInt64(), WorldRandom.For(2, "a").NextUInt64());
    }

    [Fact]
    public void Next_StaysInRange_AndCoversIt()
    {
        var rng = new WorldRandom(9);
        var seen = new int[7];
        for (int i = 0; i < 7000; i++) seen[rng.Next(7)]++;
        Assert.All(seen, c => Assert.InRange(c, 850, 1150));
        for (int i = 0; i < 1000; i++) Assert.InRange(rng.Next(3, 5), 3, 5);
    }
}
