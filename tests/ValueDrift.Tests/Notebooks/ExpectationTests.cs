using ValueDrift.Drift;
using ValueDrift.Interactive;
using ValueDrift.Probes;
using Xunit;

namespace ValueDrift.Tests.Notebooks;

/// <summary>The verdicts that the notebooks' "what you should see" cells print from their own runs.</summary>
[Trait("tier", "fast")]
public class ExpectationTests
{
    private static DriftRow Row(string topic, double m, double lower, double upper) =>
        new("stage", topic, Stance.Support, m, 0.1, 0.5, 0.5 + m, 0.5 + m, 0, 20, 20, new MagnitudeInterval(new Interval(lower, upper), 5, null));

    [Fact]
    public void Rises_reads_each_interval_against_zero()
    {
        var rises = Expectation.Rises(Stance.Support);
        Assert.Equal(Verdict.Consistent, rises.Judge(Row("a", 0.2, 0.1, 0.3)));
        Assert.Equal(Verdict.NotSeen, rises.Judge(Row("a", 0.05, -0.02, 0.1)));
        Assert.Equal(Verdict.Opposite, rises.Judge(Row("a", -0.3, -0.5, -0.1)));
        Assert.Equal(Verdict.Opposite, Expectation.Falls(Stance.Support).Judge(Row("a", 0.2, 0.1, 0.3)));
        var noInterval = Row("a", 0.2, 0, 0) with { MagnitudeCi = new MagnitudeInterval(null, 1, "one question") };
        Assert.Equal(Verdict.Undetermined, rises.Judge(noInterval));
    }

    [Fact]
    public void Smaller_than_compares_the_whole_interval_of_the_absolute_change_with_the_reference()
    {
        // The reference moved support by +0.30 on every topic.
        var smaller = Expectation.SmallerThan(Stance.Support, "sft", _ => 0.30);
        Assert.Equal(Verdict.Consistent, smaller.Judge(Row("a", 0.02, -0.05, 0.08)));   // within noise, |M| ≤ 0.08
        Assert.Equal(Verdict.Consistent, smaller.Judge(Row("a", -0.2, -0.25, -0.15)));  // |M| in [0.15, 0.25]
        Assert.Equal(Verdict.NotSeen, smaller.Judge(Row("a", -0.3, -0.45, -0.2)));      // straddles 0.30
        Assert.Equal(Verdict.Opposite, smaller.Judge(Row("a", -0.51, -0.83, -0.35)));   // all of it above 0.30
        Assert.Equal(Verdict.Undetermined, Expectation.SmallerThan(Stance.Support, "sft", _ => double.NaN).Judge(Row("a", 0, -0.1, 0.1)));
    }

    [Fact]
    public void A_contradicted_expectation_says_so_and_where_to_look()
    {
        var expected = Expectation.SmallerThan(Stance.Support, "sft-supportive", _ => 0.27);
        var rows = new[] { Row("immigration", -0.51, -0.83, -0.35), Row("abortion", 0.01, -0.04, 0.06) };
        var check = new ExpectationCheck("ppo-standard", expected, rows.Select(r => (r, expected.Judge(r))).ToList());
        Assert.True(check.Contradicted);
        Assert.Equal("consistent on 1 of 2 topics, opposite on 1 of 2 topics", check.Tally);
        var text = string.Join("\n", check.Sentences());
        Assert.Contains("Expected: support moves less than in sft-supportive. This run, by each topic's 95% interval: consistent on abortion; opposite on immigration.", text);
        Assert.Contains("contradicts the expectation on immigration", text);
    }
}
