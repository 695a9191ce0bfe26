using System.Text.Json;
using ValueDrift.Drift;
using ValueDrift.Errors;
using ValueDrift.Probes;
using Xunit;
using static ValueDrift.Tests.Drift.TestTrajectories;

namespace ValueDrift.Tests.Drift;

/// <summary>Magnitude intervals, the extremum, the questions-only drift-time band, and summaries over seeds, on hand-computed traces.</summary>
[Trait("tier", "fast")]
public class DriftIntervalTests
{
    /// <summary>A point whose questions have the given support values (rest neutral), one answer each.</summary>
    private static TrajectoryPoint Point(int step, params double[] support)
    {
        var questions = support.Select((s, i) => new QuestionDetail($"q{i}", new StanceDistribution(s, 1 - s, 0), 1)).ToList();
        var r = TraceRecord.FromQuestions("p", step, "t", questions);
        return new TrajectoryPoint(step, r.Value, r.N, r.Questions);
    }

    [Fact]
    public void Questions_that_all_move_alike_give_a_narrow_interval_even_from_different_levels()
    {
        // Paired: each question moves +0.05 from very different starting levels. An unpaired bootstrap would see the
        // 0.1..0.9 spread of levels; the paired differences are all exactly 0.05.
        var ci = MagnitudeInterval.Of(Point(0, 0.1, 0.5, 0.9, 0.3), Point(10, 0.15, 0.55, 0.95, 0.35), Stance.Support);
        Assert.Equal(4, ci.Questions);
        Assert.Null(ci.Note);
        Assert.Equal(0.05, ci.Interval!.Lower, 12);
        Assert.Equal(0.05, ci.Interval.Upper, 12);
        // Neutral moves by −0.05 for every question.
        var neutral = MagnitudeInterval.Of(Point(0, 0.1, 0.5, 0.9, 0.3), Point(10, 0.15, 0.55, 0.95, 0.35), Stance.Neutral).Interval!;
        Assert.Equal((-0.05, -0.05), (Math.Round(neutral.Lower, 12), Math.Round(neutral.Upper, 12)));
    }

    [Fact]
    public void Questions_that_split_give_a_wide_interval_around_zero()
    {
        // Two questions move +0.4 and two −0.4: the mean change is 0. A resample of four draws k "+" questions,
        // mean 0.2k − 0.4 with k ~ Binomial(4, 1/2); P(k = 0) = P(k = 4) = 1/16 > 2.5%, so the 2.5% and 97.5%
        // quantiles are the extremes −0.4 and +0.4.
        var ci = MagnitudeInterval.Of(Point(0, 0.5, 0.5, 0.5, 0.5), Point(10, 0.9, 0.9, 0.1, 0.1), Stance.Support).Interval!;
        Assert.Equal(-0.4, ci.Lower, 12);
        Assert.Equal(0.4, ci.Upper, 12);
        Assert.True(ci.Contains(0));
    }

    [Fact]
    public void The_interval_is_deterministic_for_a_seed_and_matches_the_bootstrap_of_the_differences()
    {
        var start = Point(0, 0.2, 0.3, 0.4, 0.5, 0.6);
        var end = Point(5, 0.25, 0.5, 0.35, 0.9, 0.6);
        var a = MagnitudeInterval.Of(start, end, Stance.Support, seed: 7);
        Assert.Equal(a, MagnitudeInterval.Of(start, end, Stance.Support, seed: 7));
        Assert.Equal(Bootstrap.MeanInterval([0.25 - 0.2, 0.5 - 0.3, 0.35 - 0.4, 0.9 - 0.5, 0.6 - 0.6], seed: 7), a.Interval);
    }

    [Fact]
    public void Too_few_questions_or_no_detail_gives_no_interval_with_a_reason()
    {
        var one = MagnitudeInterval.Of(Point(0, 0.2), Point(1, 0.6), Stance.Support);
        Assert.Null(one.Interval);
        Assert.Contains("fewer than two questions", one.Note);
        var bare = new TrajectoryPoint(0, With(Stance.Support, 0.2), 100);
        var none = MagnitudeInterval.Of(bare, bare with { Step = 1 }, Stance.Support);
        Assert.Null(none.Interval);
        Assert.Equal(MagnitudeInterval.NoDetail, none.Note);
        // Questions matched by id: only q0 is measured at both ends here.
        var shifted = new TrajectoryPoint(1, With(Stance.Support, 0.5), 2,
            [new QuestionDetail("q0", With(Stance.Support, 0.5), 1), new QuestionDetail("x", With(Stance.Support, 0.5), 1)]);
        Assert.Equal(1, MagnitudeInterval.Of(Point(0, 0.2, 0.3), shifted, Stance.Support).Questions);
        Assert.Throws<ArgumentException>(() => Bootstrap.MeanInterval([0.3]));
    }

    [Fact]
    public void The_extremum_is_the_largest_distance_from_the_start_so_a_peak_that_falls_back_is_scored_at_its_peak()
    {
        // 0.5 → 0.9 (step 10) → 0.45 (step 20): end < start, but the largest move is the rise to 0.9.
        var series = new Trajectory(Series("p", "t", Stance.Support, 100, (0, 0.5), (10, 0.9), (20, 0.45))).Series("p", "t");
        Assert.Equal(1, DriftMagnitude.ExtremeIndex(series, Stance.Support));
        Assert.Equal(0.4, DriftMagnitude.Of(series, Stance.Support, DriftEndpoint.Extremum), 12);
        // M to the end (−0.05 ± 0.138) is within noise: no drift time. Gated on M to the extremum (+0.4), the band at the
        // peak is 0.9 ± 1.96·sqrt(0.09/100) = [0.841, 0.959]; step 10 is the first inside: η = 10/20.
        Assert.Equal(DriftTime.NoDrift, DriftTime.Measure(series, Stance.Support).Note);
        Assert.Equal(0.5, DriftTime.Of(series, Stance.Support, new DriftTimeOptions { Endpoint = DriftEndpoint.Extremum }), 12);
        var row = DriftTable.From(new Trajectory(Series("p", "t", Stance.Support, 100, (0, 0.5), (10, 0.9), (20, 0.45))))
            .Find("p", "t", Stance.Support)!;
        Assert.Equal(10, row.ExtremeStep);
        // A flat series has its extremum at the start.
        var flat = new Trajectory(Series("p", "t", Stance.Support, 100, (0, 0.3), (5, 0.3))).Series("p", "t");
        Assert.Equal(0, DriftMagnitude.ExtremeIndex(flat, Stance.Support));
    }

    [Fact]
    public void The_drift_time_band_resamples_questions_not_answers()
    {
        // Five questions with the same mean (0.5 support) but answers that split 1/0: resampling answers would
        // give a wide band; over questions the band has zero width.
        static TrajectoryPoint Split(int step)
        {
            var answers = new List<StanceDistribution> { new(1, 0, 0), new(0, 0, 1) };
            var questions = Enumerable.Range(0, 5).Select(i => new QuestionDetail($"q{i}", StanceDistribution.Mean(answers), 2, answers)).ToList();
            var r = TraceRecord.FromQuestions("p", step, "t", questions);
            return new TrajectoryPoint(step, r.Value, r.N, r.Questions);
        }
        var band = ConfidenceBand.At(Split(0), Stance.Support, seed: 1);
        Assert.Equal(BandMethod.Bootstrap, band.Method);
        Assert.Equal(0.5, band.Lower, 12);
        Assert.Equal(0.5, band.Upper, 12);
        // One question: nothing to resample, so the normal approximation over its answers.
        var single = new TrajectoryPoint(0, With(Stance.Support, 0.5), 2, [new QuestionDetail("q", With(Stance.Support, 0.5), 2)]);
        Assert.Equal(BandMethod.Normal, ConfidenceBand.At(single, Stance.Support).Method);
    }

    [Fact]
    public void Drift_table_json_carries_the_interval_and_the_extremum_step()
    {
        var t = new Trajectory(new[] { Point(0, 0.1, 0.5, 0.9), Point(10, 0.3, 0.7, 1.0), Point(20, 0.2, 0.6, 0.95) }
            .Select(p => new TraceRecord("sft", p.Step, "t", p.Value, p.N, p.Questions)));
        var json = JsonDocument.Parse(DriftTable.From(t).ToJson()).RootElement;
        var support = json.EnumerateArray().Single(r => r.GetProperty("stance").GetString() == "support");
        Assert.Equal(10, support.GetProperty("extremum_step").GetInt32());
        // To the phase end: differences 0.1, 0.1, 0.05 → resample means lie in [0.05, 0.1].
        var ci = support.GetProperty("magnitude_ci").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.Equal(2, ci.Length);
        Assert.InRange(ci[0], 0.05 - 1e-12, ci[1]);
        Assert.InRange(ci[1], ci[0], 0.1 + 1e-12);
        Assert.Equal((0.2 + 0.6 + 0.95) / 3 - 0.5, support.GetProperty("magnitude").GetDouble(), 12);
        Assert.Equal(3, support.GetProperty("magnitude_ci_questions").GetInt32());
    }

    [Theory]
    [InlineData(1, 12.7062)]
    [InlineData(2, 4.3027)]
    [InlineData(4, 2.7764)]
    [InlineData(9, 2.2622)]
    [InlineData(30, 2.0423)]
    public void Student_t_quantiles_match_the_tables(int df, double expected) =>
        Assert.Equal(expected, StudentT.Quantile(0.975, df), 3);

    private static DriftTable Table(double magnitude, double driftTime) => new(
        [new DriftRow("sft", "t", Stance.Support, magnitude, driftTime, 0.2, 0.2 + magnitude, 0.2 + magnitude, 0, 10, 10)]);

    [Fact]
    public void Seed_summary_gives_mean_and_t_interval_and_verdicts_from_the_interval()
    {
        // 0.1, 0.2, 0.3: mean 0.2, sd 0.1, half-width t(0.975, 2)·0.1/√3 = 4.3027·0.0577 = 0.2484.
        var spread = SeedSummary.From([Table(0.1, 0.2), Table(0.2, 0.4), Table(0.3, 0.6)]);
        var m = spread.Find("sft", "t", Stance.Support)!.Magnitude;
        Assert.Equal(0.2, m.Mean, 12);
        Assert.Equal(IntervalSource.Seeds, m.Source);
        Assert.Equal(0.2 - 4.302653 * 0.1 / Math.Sqrt(3), m.Interval!.Lower, 4);
        Assert.Equal(0.2 + 4.302653 * 0.1 / Math.Sqrt(3), m.Interval.Upper, 4);
        Assert.Equal(Verdict.NotSeen, m.VerdictFor(+1));
        Assert.Equal(3, spread.Seeds);

        var tight = SeedSummary.From([Table(0.30, 0.1), Table(0.31, 0.1), Table(0.32, double.NaN)]).Rows.Single();
        Assert.Equal(Verdict.Consistent, tight.Magnitude.VerdictFor(+1));
        Assert.Equal(Verdict.Opposite, tight.Magnitude.VerdictFor(-1));
        // Drift time: the NaN seed is left out; two equal values give a zero-width interval below 0.5 (early).
        Assert.Equal(0.1, tight.DriftTime.Mean, 12);
        Assert.Equal(Verdict.Consistent, tight.DriftTime.VerdictFor(-1, threshold: 0.5));
        Assert.Contains("\"magnitude_ci_source\": \"seeds\"", SeedSummary.From([Table(0.1, 0.2), Table(0.2, 0.4)]).ToJson());
    }

    [Fact]
    public void One_seed_falls_back_to_the_question_interval_and_no_seed_is_an_error()
    {
        var t = new Trajectory(new[] { Point(0, 0.1, 0.5, 0.9), Point(10, 0.3, 0.7, 1.0) }
            .Select(p => new TraceRecord("sft", p.Step, "t", p.Value, p.N, p.Questions)));
        var one = SeedSummary.From([t]).Find("sft", "t", Stance.Support)!.Magnitude;
        Assert.Equal(IntervalSource.Questions, one.Source);
        Assert.Equal(DriftTable.From(t).Find("sft", "t", Stance.Support)!.MagnitudeCi!.Interval, one.Interval);
        Assert.Equal(Verdict.Undetermined, SeedSummary.From([Table(0.3, 0.1)]).Rows.Single().Magnitude.VerdictFor(+1));
        Assert.Throws<ConfigException>(() => SeedSummary.From(Array.Empty<DriftTable>()));
    }

    [Fact]
    public void Verdicts_compare_the_whole_interval_with_the_threshold()
    {
        Assert.Equal(Verdict.Consistent, Verdicts.Of(new Interval(0.01, 0.2), +1));
        Assert.Equal(Verdict.NotSeen, Verdicts.Of(new Interval(0.0, 0.2), +1));
        Assert.Equal(Verdict.Opposite, Verdicts.Of(new Interval(-0.3, -0.1), +1));
        Assert.Equal(Verdict.Consistent, Verdicts.Of(new Interval(-0.3, -0.1), -1));
        Assert.Equal(Verdict.Undetermined, Verdicts.Of(null, +1));
        Assert.Equal("not seen", Verdict.NotSeen.Label());
    }
}
