using ValueDrift.Errors;
using ValueDrift.Experiments;
using ValueDrift.Probes;
using ValueDrift.World;
using Xunit;

namespace ValueDrift.Tests.Experiments;

/// <summary>
/// <see cref="JudgeSpec"/> is the one place a judge is opened: its settings reach the judge, a setting left out is the
/// judge's own default, the cache wraps only judges that cost something, and bad settings are refused before any
/// judge is built.
/// </summary>
public class JudgeSpecTests
{
    private const string Endpoint = "endpoint:http://localhost:9/v1,judge";

    [Fact]
    [Trait("tier", "fast")]
    public void Settings_left_out_are_the_endpoint_judges_own_defaults()
    {
        var judge = Assert.IsType<ChatEndpointJudge>(new JudgeSpec(Endpoint).Open());
        Assert.Equal(new ChatEndpointJudgeOptions(), judge.Options);
    }

    [Fact]
    [Trait("tier", "fast")]
    public void Settings_given_reach_the_endpoint_judge_and_its_identity_follows_the_label_set()
    {
        var spec = new JudgeSpec(Endpoint)
        {
            Concurrency = 2, Timeout = TimeSpan.FromSeconds(5), Deadline = TimeSpan.FromSeconds(30), NoStanceLabel = true,
        };
        var judge = Assert.IsType<ChatEndpointJudge>(spec.Open());
        Assert.Equal(new ChatEndpointJudgeOptions
        {
            MaxParallel = 2, RequestTimeout = TimeSpan.FromSeconds(5), Deadline = TimeSpan.FromSeconds(30), NoStanceLabel = true,
        }, judge.Options);
        Assert.Equal(JudgementIdentity.Endpoint(new Uri("http://localhost:9/v1"), "judge", judge.Options), judge.Identity);
        Assert.NotEqual(Assert.IsType<ChatEndpointJudge>(new JudgeSpec(Endpoint).Open()).Identity, judge.Identity);
    }

    [Fact]
    [Trait("tier", "fast")]
    public void A_cache_wraps_an_endpoint_judge_under_its_identity_but_never_the_world_judge()
    {
        var dir = Fixtures.TempDir("judge-spec-cache");
        using (var cached = Assert.IsType<JudgementCachingJudge>(JudgeSpec.Open(Endpoint, dir)))
            Assert.Equal(Assert.IsType<ChatEndpointJudge>(cached.Inner).Identity, cached.Identity);
        Assert.IsType<WorldStanceJudge>(JudgeSpec.Open(" World ", dir));
        Assert.True(new JudgeSpec(" World ").IsWorld);
        Assert.False(new JudgeSpec(Endpoint).IsWorld);
    }

    [Theory]
    [Trait("tier", "fast")]
    [InlineData(0, 60.0, null, "--judge-concurrency")]
    [InlineData(4, 0.0, null, "--judge-timeout")]
    [InlineData(4, 60.0, -1.0, "--judge-deadline")]
    public void Bad_settings_are_refused_naming_the_option(int concurrency, double timeout, double? deadline, string option)
    {
        var spec = new JudgeSpec(Endpoint)
        {
            Concurrency = concurrency, Timeout = TimeSpan.FromSeconds(timeout), Deadline = deadline is { } d ? TimeSpan.FromSeconds(d) : null,
        };
        Assert.Contains(option, Assert.Throws<ValueDriftException>(() => spec.Open()).Message);
    }

    [Fact]
    [Trait("tier", "fast")]
    public void An_unknown_judge_names_where_it_came_from()
    {
        var e = Assert.Throws<ValueDriftException>(() => JudgeSpec.Open("oracle", null, where: "probes.judge"));
        Assert.StartsWith("probes.judge: unknown judge 'oracle'", e.Message);
        Assert.Throws<ConfigException>(() => new JudgeSpec("local:" + Path.Combine(Fixtures.TempDir("judge-spec-local"), "missing")).Open());
    }
}
