using System.Net;
using System.Text.RegularExpressions;
using Microsoft.DotNet.Interactive.Formatting;
using ValueDrift.Drift;
using ValueDrift.Errors;
using ValueDrift.Experiments;
using ValueDrift.Interactive;
using ValueDrift.Probes;
using ValueDrift.Training.Algorithms;
using Xunit;

namespace ValueDrift.Tests.Notebooks;

/// <summary><see cref="RunComparison"/> on two hand-written stage results: the differences, the summary and the display.</summary>
public class RunComparisonTests
{
    // n = 30 judged answers behind each point; support moves by the given amounts over four probed steps.
    private static StageChange Change(string phase, double supportStart, double supportEnd, double abortionEnd)
    {
        TraceRecord R(int step, string topic, double support) => new(phase, step, topic, new StanceDistribution(support, (1 - support) / 2, (1 - support) / 2), 30);
        var records = new List<TraceRecord>();
        foreach (var (step, f) in new[] { (0, 0.0), (1, 0.5), (2, 0.9), (4, 1.0) })
        {
            records.Add(R(step, "immigration", supportStart + f * (supportEnd - supportStart)));
            records.Add(R(step, "abortion", 0.3 + f * (abortionEnd - 0.3)));
        }
        var stage = new Stage { Name = phase, Algorithm = new Sft(), DataPath = "data.jsonl" };
        var result = new StageResult(stage, "start", "final", "dir", [], TimeSpan.FromSeconds(1), AlreadyComplete: false);
        return StageChange.Measure(result, "sft", new Trajectory(records), null, seed: 1);
    }

    [Fact]
    [Trait("tier", "fast")]
    public void Rows_hold_both_magnitudes_and_their_difference()
    {
        var a = Change("dpo-standard", 0.40, 0.45, 0.30);
        var b = Change("sft-mine", 0.40, 0.10, 0.35);
        var c = RunComparison.Of(a, b);
        Assert.Equal(6, c.Rows.Count);                        // 2 topics × 3 stances, both runs on each row
        Assert.All(c.Rows, r => Assert.True(r.A is not null && r.B is not null));
        var support = c.Rows.Single(r => r.Topic == "immigration" && r.Stance == Stance.Support);
        Assert.Equal(0.05, support.A!.Magnitude, 9);
        Assert.Equal(-0.30, support.B!.Magnitude, 9);
        Assert.Equal(-0.35, support.Difference, 9);
        Assert.Same(support, c.LargestDifference);
        Assert.Contains("largest difference immigration support M(B) − M(A) = −0.350 (+0.050 vs −0.300)", c.Summary);
        Assert.Equal("generation probe", c.Probe);
    }

    [Fact]
    [Trait("tier", "fast")]
    public void Displays_as_chart_and_diff_table_through_the_kernel_formatter()
    {
        var c = RunComparison.Of(Change("dpo-standard", 0.40, 0.45, 0.30), Change("sft-mine", 0.40, 0.10, 0.35));
        // It registers its display itself: no set-up call before formatting.
        var html = Formatter.ToDisplayString(c, "text/html");
        Assert.Single(Regex.Matches(html, "Plotly.newPlot"));
        Assert.Contains("\"error_y\"", html);
        Assert.Contains("\"name\":\"dpo-standard\"", html);
        Assert.Contains("\"name\":\"sft-mine\"", html);
        var text = WebUtility.HtmlDecode(html);
        Assert.Contains("Comparison: 6 rows (topic × stance), A = dpo-standard, B = sft-mine, generation probe", text);
        Assert.Matches(new Regex(@"<td[^>]*>immigration</td><td[^>]*>support</td><td[^>]*>\+0\.050</td>.*?<td[^>]*>-0\.350</td></tr>"), html);
        Assert.DoesNotContain("dni-treeview", html);
    }

    [Fact]
    [Trait("tier", "fast")]
    public void Same_phase_names_get_two_legend_entries_and_a_missing_likelihood_trace_is_a_typed_error()
    {
        var a = Change("sft-mine", 0.40, 0.10, 0.35);
        var c = RunComparison.Of(a, a);
        Assert.Contains("\"name\":\"sft-mine (A)\"", c.ToHtml());
        Assert.Contains("\"name\":\"sft-mine (B)\"", c.ToHtml());
        Assert.All(c.Rows, r => Assert.Equal(0, r.Difference));
        var e = Assert.Throws<ConfigException>(() => RunComparison.Of(a, a, likelihood: true));
        Assert.Contains("sft-mine", e.Message);
    }
}
